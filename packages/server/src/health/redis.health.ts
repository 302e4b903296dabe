import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Env } from '@nextbuy/config';
import Redis from 'ioredis';
import { InjectEnv } from '../config/config.module';
import { DownLog, downReason } from './down-reason';
import { HEALTH_CHECK_TIMEOUT_MS } from './postgres.health';
import { withTimeout } from './timeout';

/** Closed while Redis is away, the probe's connection would otherwise hold shutdown for ioredis's 2 s. */
const DISCONNECT_TIMEOUT_MS = 100;

/**
 * Pings `REDIS_URL` on a connection of its own, so the probe reports Redis itself rather than the
 * state of a queue client. Fails fast: no offline queue, one attempt per command.
 */
@Injectable()
export class RedisHealthIndicator implements OnModuleInit, OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly downLog = new DownLog(new Logger('Health'), 'Redis');

  constructor(
    private readonly health: HealthIndicatorService,
    @InjectEnv() env: Env,
  ) {
    this.redis = new Redis(env.REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
      connectionName: 'nextbuy-health',
    });
    // Connection errors surface through the probe; without a listener ioredis would log each retry.
    this.redis.on('error', () => undefined);
  }

  /** Waits (briefly) for the first connection so the first probe after boot is meaningful. */
  async onModuleInit(): Promise<void> {
    await withTimeout(this.redis.connect(), HEALTH_CHECK_TIMEOUT_MS).catch(() => undefined);
  }

  async check(key = 'redis') {
    const indicator = this.health.check(key);
    const started = Date.now();
    try {
      await withTimeout(this.redis.ping(), HEALTH_CHECK_TIMEOUT_MS);
      this.downLog.up();
      return indicator.up({ latencyMs: Date.now() - started });
    } catch (e) {
      // With no offline queue, every failure but a timeout means the connection is not there.
      const reason = downReason(e, () => this.redis.status !== 'ready');
      this.downLog.down(reason, e);
      return indicator.down({ reason });
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
