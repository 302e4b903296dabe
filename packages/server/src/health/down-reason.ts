import { Logger } from '@nestjs/common';
import { TimeoutError } from './timeout';

/**
 * Why a dependency is down, as `/health` says it: stable codes a probe or a dashboard can match,
 * never the driver's message (it names hosts, ports and internals; the app's log has it).
 */
export type DownReason = 'not_connected' | 'timeout' | 'unreachable' | 'error';

/** The reason code of a failed check. */
export function downReason(error: unknown, unreachable: (e: unknown) => boolean): DownReason {
  if (error instanceof TimeoutError) return 'timeout';
  return unreachable(error) ? 'unreachable' : 'error';
}

/**
 * Logs a dependency's driver message once when it goes down (or its reason changes), not on every
 * probe, and once when it is back.
 */
export class DownLog {
  private last: DownReason | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  down(reason: DownReason, error: unknown): void {
    if (this.last === reason) return;
    this.last = reason;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn(`${this.what} is down (${reason}): ${message}`);
  }

  up(): void {
    if (this.last === undefined) return;
    this.last = undefined;
    this.logger.log(`${this.what} answers again`);
  }
}
