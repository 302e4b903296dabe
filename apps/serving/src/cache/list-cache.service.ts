import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { CachedList, CachedTop, customerListCacheKey, customerTopCacheKey, InjectEnv } from '@nextbuy/server';
import type { Cluster, Redis } from 'ioredis';
import { BatchedGet } from './batched-get';
import { createCacheConnection, createClusterCacheConnection } from './redis-connections';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';

/** A top loaded on a miss: what is answered, and its cache value. */
export interface LoadedTop {
  top: CachedTop | null;
  bytes: Buffer | string;
}

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
  private readonly redis: Redis | Cluster;
  /** Reads: the GETs of one event-loop turn leave as one command. */
  private readonly gets: BatchedGet;
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Logged once per outage rather than once per request. */
  private degraded = false;

  constructor(
    @InjectEnv() env: Env,
    @Inject(SERVING_CONFIG) private readonly config: ServingConfig,
  ) {
    this.redis =
      env.REDIS_CLUSTER.length > 0
        ? createClusterCacheConnection(env.REDIS_CLUSTER, config.redisCommandTimeoutMs)
        : createCacheConnection(env.REDIS_URL, config.redisCommandTimeoutMs);
    this.gets = new BatchedGet(this.redis);
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

  /** `{prefix}:top:{buildId}:{customerId}`: the top of that list, as an answer's items. */
  customerTopKey(buildId: string, customerId: string): string {
    return customerTopCacheKey(this.config.cacheKeyPrefix, buildId, customerId);
  }

  /** `{prefix}:list:{buildId}:{kind}:{key}`: a product's or segment's list in one build. */
  itemListKey(buildId: string, kind: string, key: string): string {
    return `${this.config.cacheKeyPrefix}:list:${buildId}:${kind}:${key}`;
  }

  /**
   * The list cached under `key`, or the one `load()` encodes (`encodeListCache`, or `'null'` for a
   * list the build does not have: cached too, so absent lists cost no repeated Postgres reads). The
   * list is shared by concurrent callers: it is read-only.
   */
  getOrLoad(key: string, load: () => Promise<string>): Promise<CachedList | null> {
    return this.once(key, async () => {
      const cached = await this.read(key, CachedList.decode);
      if (cached.value !== undefined) return cached.value;
      const bytes = Buffer.from(await load(), 'utf8');
      this.fill(key, bytes, cached.present);
      return CachedList.decode(bytes) ?? null;
    });
  }

  /**
   * The top cached under `key`, or the one `load()` makes: the top and its cache value (`bytes`:
   * `encodeTopAnswer`, `encodeTop` or `'null'`), so a filled top is answered without reading back
   * what was cached.
   */
  getOrLoadTop(key: string, load: () => Promise<LoadedTop>): Promise<CachedTop | null> {
    return this.once(key, async () => {
      const cached = await this.read(key, CachedTop.decode);
      if (cached.value !== undefined) return cached.value;
      const loaded = await load();
      this.fill(key, loaded.bytes, cached.present);
      return loaded.top;
    });
  }

  /** Concurrent reads of one key share one load: no stampede on an expiry or a new build. */
  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    const pending = this.inflight.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const next = read().finally(() => this.inflight.delete(key));
    this.inflight.set(key, next);
    return next;
  }

  /**
   * `value` `undefined` on a miss, a value this version cannot read (`present`: it is to be
   * overwritten), or when Redis cannot answer.
   */
  private async read<T>(
    key: string,
    decode: (raw: Buffer) => T | null | undefined,
  ): Promise<{ value: T | null | undefined; present: boolean }> {
    if (this.redis.status !== 'ready') return { value: undefined, present: false };
    try {
      const raw = await this.gets.get(key);
      return raw === null ? { value: undefined, present: false } : { value: decode(raw), present: true };
    } catch (e) {
      this.markDegraded((e as Error).message);
      return { value: undefined, present: false };
    }
  }

  /**
   * Fire and forget: the answer never waits for the cache write. Only where nothing is cached
   * (`NX`), unless an unreadable value is to be replaced: a list the real-time refresh wrote while
   * this one was read from Postgres is newer, and stays.
   */
  private fill(key: string, value: Buffer | string, replace: boolean): void {
    if (this.redis.status !== 'ready') return;
    const ttl = this.config.cacheTtlSeconds;
    (replace ? this.redis.set(key, value, 'EX', ttl) : this.redis.set(key, value, 'EX', ttl, 'NX')).catch(
      (e: Error) => this.markDegraded(e.message),
    );
  }

  private markDegraded(why: string): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(`Redis cache unavailable (${why}); serving from Postgres until it is back`);
  }
}
