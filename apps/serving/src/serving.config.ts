import type { AnswerLogPolicy, Env } from '@nextbuy/config';
import { LIST_CACHE_TTL_SECONDS, listCachePrefix } from '@nextbuy/server';

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
  /**
   * Fallback catch-up of the in-memory catalogue, for changes nobody announced (bulk imports) or
   * whose message was lost: a product edit shows in answers this late at most.
   */
  catalogPollIntervalMs: number;
  /** Check of the rules version (one row): a rule change shows in answers this late at most if its notice was lost. */
  rulesPollIntervalMs: number;
  /** Default cap on one category's share of an answer (`MAX_CATEGORY_SHARE`; 1 = none). */
  maxCategoryShare: number;
  /** Re-read of the running experiment: a start or stop elsewhere (CLI, another replica) shows up this late at most. */
  experimentPollIntervalMs: number;
  /** Buffered writes of served answers and feedback: flushed this often, or as soon as a batch is full. */
  logFlushIntervalMs: number;
  logBatchRows: number;
  /** Rows held while Postgres cannot take them; beyond this, answers' logs are dropped and feedback answers 503. */
  logMaxBufferedRows: number;
  /** Largest `POST /v1/feedback` array. */
  feedbackMaxBatch: number;
  /** Which answers are logged (`ANSWER_LOG`): those outside an experiment with probability `rate`. */
  answerLog: AnswerLogPolicy;
  /**
   * Memory for the usual call's answers that rules or the catalogue reshaped, kept per customer so the
   * next request needs one Redis GET (`ShapedTops`, ~8 KB each; `SHAPED_TOPS_MAX_BYTES`, 64 MiB:
   * ~8,000 customers); 0 keeps none.
   */
  shapedTopsMaxBytes: number;
  /** Days of answer log and feedback kept (`LOG_RETENTION_DAYS`; 0: for ever). */
  logRetentionDays: number;
  /** How often the log's daily partitions are made ahead and expired ones dropped. */
  logMaintenanceIntervalMs: number;
}

export const REDIS_COMMAND_TIMEOUT_MS = 200;
/** Every few seconds: a missed publish is noticed quickly, and the query is one indexed row. */
export const BUILD_POLL_INTERVAL_MS = 5000;
/** A second: answers render names from the catalogue, and an edit should show within one. The query is an index range, usually empty. */
export const CATALOG_POLL_INTERVAL_MS = 1000;
/** A second: a rule change must show within one even when its notice is lost. */
export const RULES_POLL_INTERVAL_MS = 1000;
/** Same cadence as the build poll: one indexed row, and the admin API of this replica switches at once. */
export const EXPERIMENT_POLL_INTERVAL_MS = 5000;
/** Half a second of answers per statement: thousands of rows a second cost a few inserts, and reports lag little. */
export const LOG_FLUSH_INTERVAL_MS = 500;
/** One `unnest` insert of this many rows takes a few milliseconds. */
export const LOG_BATCH_ROWS = 1000;
/** About a minute of a busy storefront's feedback (tens of MB at most) while Postgres is away. */
export const LOG_MAX_BUFFERED_ROWS = 100_000;
/** A page view reports at most a few dozen items; a storefront batching its tracker fits easily. */
export const FEEDBACK_MAX_BATCH = 1000;

/**
 * Hourly: the work is a few catalogue look-ups when nothing is due, and a day's partitions are made
 * a week ahead, so a missed run (serving down for a while) changes nothing.
 */
export const LOG_MAINTENANCE_INTERVAL_MS = 3_600_000;

export const SERVING_CONFIG = Symbol('nextbuy.serving-config');

export function servingConfig(env: Env, overrides: Partial<ServingConfig> = {}): ServingConfig {
  return {
    cacheKeyPrefix: listCachePrefix(env.QUEUE_PREFIX),
    cacheTtlSeconds: LIST_CACHE_TTL_SECONDS,
    redisCommandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
    buildPollIntervalMs: BUILD_POLL_INTERVAL_MS,
    catalogPollIntervalMs: CATALOG_POLL_INTERVAL_MS,
    rulesPollIntervalMs: RULES_POLL_INTERVAL_MS,
    maxCategoryShare: env.MAX_CATEGORY_SHARE,
    experimentPollIntervalMs: EXPERIMENT_POLL_INTERVAL_MS,
    logFlushIntervalMs: LOG_FLUSH_INTERVAL_MS,
    logBatchRows: LOG_BATCH_ROWS,
    logMaxBufferedRows: LOG_MAX_BUFFERED_ROWS,
    feedbackMaxBatch: FEEDBACK_MAX_BATCH,
    shapedTopsMaxBytes: env.SHAPED_TOPS_MAX_BYTES,
    answerLog: env.ANSWER_LOG,
    logRetentionDays: env.LOG_RETENTION_DAYS,
    logMaintenanceIntervalMs: LOG_MAINTENANCE_INTERVAL_MS,
    ...overrides,
  };
}
