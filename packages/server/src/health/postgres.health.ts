import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { pingDatabase } from '@nextbuy/db';
import { DatabaseConnection } from '../database/database-connection';
import { isDatabaseUnavailable } from '../errors/database-unavailable';
import { DownLog, downReason } from './down-reason';
import { withTimeout } from './timeout';

/** A probe must answer well within the orchestrator's probe timeout (usually 1–5 s). */
export const HEALTH_CHECK_TIMEOUT_MS = 1_500;

@Injectable()
export class PostgresHealthIndicator {
  private readonly downLog = new DownLog(new Logger('Health'), 'Postgres');

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly connection: DatabaseConnection,
  ) {}

  async check(key = 'postgres') {
    const indicator = this.health.check(key);
    if (!this.connection.connected) {
      this.downLog.down('not_connected', this.connection.error ?? 'connecting');
      return indicator.down({ reason: 'not_connected' });
    }
    const started = Date.now();
    try {
      await withTimeout(pingDatabase(this.connection.dataSource), HEALTH_CHECK_TIMEOUT_MS);
      this.downLog.up();
      return indicator.up({ latencyMs: Date.now() - started });
    } catch (e) {
      const reason = downReason(e, isDatabaseUnavailable);
      this.downLog.down(reason, e);
      return indicator.down({ reason });
    }
  }
}
