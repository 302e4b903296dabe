import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { FeedbackRepository } from '@nextbuy/db';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';

/** Daily partitions made this many days ahead: a week of serving with no maintenance run still lands in them. */
const DAYS_AHEAD = 7;
const DAY_MS = 86_400_000;

/**
 * Keeps the answer log and feedback bounded: at start and then hourly, makes their daily partitions
 * a week ahead and drops the days older than `LOG_RETENTION_DAYS` (whole partitions: no row-by-row
 * delete, no vacuum debt). It runs in serving, the process that writes these tables, so it needs
 * nothing else up (a BullMQ repeatable job would need a worker and Redis); every replica may run
 * it, since making a partition is idempotent under an advisory lock and a drop of a dropped day is
 * a no-op. A failure (Postgres away) is logged and retried at the next run.
 */
@Injectable()
export class LogRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LogRetention');
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly logs: FeedbackRepository,
    @Inject(SERVING_CONFIG) private readonly config: ServingConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.run();
    this.timer = setInterval(() => {
      this.running = this.run();
    }, this.config.logMaintenanceIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One maintenance pass; returns the partitions dropped (tests call it directly). */
  async run(now: Date = new Date()): Promise<string[]> {
    try {
      await this.logs.ensureDaysAhead(now, DAYS_AHEAD);
      if (this.config.logRetentionDays === 0) return [];
      const dropped = await this.logs.dropServedBefore(
        new Date(
          Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) -
            this.config.logRetentionDays * DAY_MS,
        ),
      );
      if (dropped.length > 0)
        this.logger.log(`dropped ${dropped.length} expired log partitions: ${dropped.join(', ')}`);
      return dropped;
    } catch (e) {
      this.logger.warn(`log maintenance failed (retried in an hour): ${(e as Error).message}`);
      return [];
    }
  }
}
