import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { customerListCacheKey, type RankedItem } from '@nextbuy/contracts';
import { InjectEnv } from '@nextbuy/server';
import type Redis from 'ioredis';
import { CachedList } from './cached-list';
import { createCacheConnection } from './redis-connections';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';

/** How long boot waits for the first Redis connection before serving from Postgres alone. */
const FIRST_CONNECT_WAIT_MS = 1000;

/**
 * A read-through cache of stored lists in Redis, with Postgres behind it. Redis is optional: while it
 * is away (not connected, slow past the command timeout, or erroring) every read goes to Postgres and
 * nothing is queued, so a Redis outage costs latency, never an error. Concurrent reads of one key in
 * this process share one load, so an expiry or a newly published build causes no stampede.
 */
@Injectable()
export class ListCacheService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ListCache');
  private readonly redis: Redis;
  private readonly inflight = new Map<string, Promise<CachedList | null>>();
  /** Logged once per outage rather than once per request. */
  private degraded = false;

  constructor(
    @InjectEnv() env: Env,
    @Inject(SERVING_CONFIG) private readonly config: ServingConfig,
  ) {
    this.redis = createCacheConnection(env.REDIS_URL, config.redisCommandTimeoutMs);
    this.redis.on('error', (e: Error) => this.markDegraded(e.message));
    this.redis.on('ready', () => {
      if (this.degraded) this.logger.log('Redis cache is back');
      this.degraded = false;
    });
  }

  async onModuleInit(): Promise<void> {
    const settled = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FIRST_CONNECT_WAIT_MS);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        this.redis.off('ready', done).off('error', done);
        resolve();
      };
      this.redis.on('ready', done).on('error', done);
    });
    this.redis.connect().catch(() => undefined);
    await settled;
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  /** `{prefix}:rec:{buildId}:{customerId}`: one customer's stored list in one build. */
  customerKey(buildId: string, customerId: string): string {
    return customerListCacheKey(this.config.cacheKeyPrefix, buildId, customerId);
  }

  /** `{prefix}:list:{buildId}:{kind}:{key}`: a product's or segment's list in one build. */
  itemListKey(buildId: string, kind: string, key: string): string {
    return `${this.config.cacheKeyPrefix}:list:${buildId}:${kind}:${key}`;
  }

  /**
   * The list cached under `key`, or `load()`'s (then cached, `null` included, so absent lists cost
   * no repeated Postgres reads). The list is shared by concurrent callers: it is read-only.
   */
  getOrLoad(key: string, load: () => Promise<readonly RankedItem[] | null>): Promise<CachedList | null> {
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const next = this.readThrough(key, load).finally(() => this.inflight.delete(key));
    this.inflight.set(key, next);
    return next;
  }

  private async readThrough(
    key: string,
    load: () => Promise<readonly RankedItem[] | null>,
  ): Promise<CachedList | null> {
    const cached = await this.get(key);
    if (cached !== undefined) return cached;
    const items = await load();
    const list = items === null ? null : CachedList.of(items);
    this.set(key, list === null ? 'null' : list.bytes());
    return list;
  }

  /** `undefined` on a miss, a value this version cannot read, or when Redis cannot answer. */
  private async get(key: string): Promise<CachedList | null | undefined> {
    if (this.redis.status !== 'ready') return undefined;
    try {
      // Bytes, not a string: an answer copies its items' bytes without decoding them.
      const raw = await this.redis.getBuffer(key);
      return raw === null ? undefined : CachedList.decode(raw);
    } catch (e) {
      this.markDegraded((e as Error).message);
      return undefined;
    }
  }

  /** Fire and forget: the answer never waits for the cache write. */
  private set(key: string, value: Buffer | string): void {
    if (this.redis.status !== 'ready') return;
    this.redis
      .set(key, value, 'EX', this.config.cacheTtlSeconds)
      .catch((e: Error) => this.markDegraded(e.message));
  }

  private markDegraded(why: string): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(`Redis cache unavailable (${why}); serving from Postgres until it is back`);
  }
}
