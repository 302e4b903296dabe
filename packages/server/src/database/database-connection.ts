import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** First retry soon (Postgres starting alongside the app), then back off to avoid hammering it. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * Owns the app's DataSource. It connects at boot; when Postgres is unreachable the app still starts
 * (liveness holds, readiness reports 503, requests needing the database answer 503) and keeps
 * retrying, so apps and Postgres can start in any order. The pool closes after the HTTP server has
 * drained (`onApplicationShutdown` runs after it), so in-flight requests finish their queries.
 */
export class DatabaseConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = FIRST_RETRY_MS;
  private lastError: Error | undefined;
  private closed = false;

  constructor(readonly dataSource: DataSource) {}

  get connected(): boolean {
    return this.dataSource.isInitialized;
  }

  /** Why the last connection attempt failed, when not connected. */
  get error(): Error | undefined {
    return this.connected ? undefined : this.lastError;
  }

  async connect(): Promise<void> {
    if (this.closed || this.connected) return;
    try {
      await this.dataSource.initialize();
      this.retryDelay = FIRST_RETRY_MS;
      if (this.lastError) this.logger.log('Connected to Postgres');
      this.lastError = undefined;
    } catch (e) {
      this.lastError = e instanceof Error ? e : new Error(String(e));
      this.logger.warn(
        `Postgres unreachable (${this.lastError.message}); retrying in ${this.retryDelay / 1000}s`,
      );
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => void this.connect(), this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
