import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { pingDatabase } from '@nextbuy/db';
import { DatabaseConnection } from '../database/database-connection';
import { withTimeout } from './timeout';

/** A probe must answer well within the orchestrator's probe timeout (usually 1–5 s). */
export const HEALTH_CHECK_TIMEOUT_MS = 1_500;

@Injectable()
export class PostgresHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly connection: DatabaseConnection,
  ) {}

  async check(key = 'postgres') {
    const indicator = this.health.check(key);
    if (!this.connection.connected) {
      return indicator.down({ message: `not connected: ${this.connection.error?.message ?? 'connecting'}` });
    }
    const started = Date.now();
    try {
      await withTimeout(pingDatabase(this.connection.dataSource), HEALTH_CHECK_TIMEOUT_MS);
      return indicator.up({ latencyMs: Date.now() - started });
    } catch (e) {
      return indicator.down({ message: e instanceof Error ? e.message : String(e) });
    }
  }
}
