import type { Env } from '@nextbuy/config';

/** Tuning of the serving app. Defaults below; tests override them through `AppModule.forRoot`. */
export interface ServingConfig {
  /**
   * Prefix of every cache key: `{QUEUE_PREFIX}:cache` by default, so deployments (and test files)
   * sharing one Redis never read each other's lists (build ids repeat across databases).
   */
  cacheKeyPrefix: string;
  /** Lifetime of a cached list. Keys name their build, so this only bounds how long old builds' keys linger. */
  cacheTtlSeconds: number;
  /** A healthy Redis answers in well under a millisecond; past this, Postgres answers instead. */
  redisCommandTimeoutMs: number;
  /** Fallback re-read of the active build, for publish messages missed while pub/sub reconnected. */
  buildPollIntervalMs: number;
}

/** One hour: long enough that a warm cache absorbs the storefront's traffic, short enough to free memory of superseded builds. */
export const CACHE_TTL_SECONDS = 3600;
export const REDIS_COMMAND_TIMEOUT_MS = 200;
/** Every few seconds: a missed publish is noticed quickly, and the query is one indexed row. */
export const BUILD_POLL_INTERVAL_MS = 5000;

export const SERVING_CONFIG = Symbol('nextbuy.serving-config');

export function servingConfig(env: Env, overrides: Partial<ServingConfig> = {}): ServingConfig {
  return {
    cacheKeyPrefix: `${env.QUEUE_PREFIX}:cache`,
    cacheTtlSeconds: CACHE_TTL_SECONDS,
    redisCommandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
    buildPollIntervalMs: BUILD_POLL_INTERVAL_MS,
    ...overrides,
  };
}
