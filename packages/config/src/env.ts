import { z } from 'zod';
import { API_SCOPES, type ApiScope, isApiScope, strongerScope } from './scopes';

export interface ApiKey {
  key: string;
  scope: ApiScope;
}

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** `key:scope,key:scope`; an empty value means "no keys configured" (every protected route answers 401). */
const apiKeys = z
  .string()
  .default('')
  .transform((raw, ctx): ApiKey[] => {
    const keys: ApiKey[] = [];
    for (const entry of raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const sep = entry.lastIndexOf(':');
      const key = sep > 0 ? entry.slice(0, sep) : '';
      const scope = sep > 0 ? entry.slice(sep + 1) : '';
      if (!key || !isApiScope(scope)) {
        ctx.addIssue({
          code: 'custom',
          message: `entry "${entry}" must be KEY:SCOPE with scope one of ${API_SCOPES.join(', ')}`,
        });
        continue;
      }
      const twice = keys.find((k) => k.key === key && strongerScope(k.scope, scope) === null);
      if (twice) {
        ctx.addIssue({
          code: 'custom',
          message: `a key is listed as both "${twice.scope}" and "${scope}": give it one scope (admin covers both)`,
        });
        continue;
      }
      keys.push({ key, scope });
    }
    return keys;
  });

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/nextbuy'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  NEXTBUY_API_KEYS: apiKeys,
  /**
   * Serving's list cache on a Redis Cluster: its seed nodes, comma-separated (`host:port` or
   * `redis://host:port`). Empty: the cache is on REDIS_URL. Queues, pub/sub and rate limits stay
   * on REDIS_URL either way.
   */
  REDIS_CLUSTER: z
    .string()
    .default('')
    .transform((raw, ctx): string[] => {
      const nodes = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const node of nodes)
        if (!/^(rediss?:\/\/)?[^\s/:]+:\d+\/?$/.test(node))
          ctx.addIssue({ code: 'custom', message: `"${node}" is not a Redis node (host:port)` });
      return nodes;
    }),
  SERVING_PORT: port(3000),
  /** Where the CLI finds the serving API (`nextbuy recommend`); default: this machine's SERVING_PORT. */
  SERVING_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The key the CLI sends to serving; default: the first key of NEXTBUY_API_KEYS. */
  NEXTBUY_API_KEY: z.string().min(1).optional(),
  INGESTION_PORT: port(3001),
  /** Worker apps expose only /health and /metrics. */
  FEATURES_PORT: port(3002),
  CANDIDATES_PORT: port(3003),
  /**
   * `npm start` only (scripts/apps.mjs): the extra features / candidates workers take health ports
   * base + 1, base + 2, …, and the real-time candidates process REALTIME_PORT. With the ports
   * above, every port a stack opens: two stacks share a host by setting different ones.
   */
  FEATURES_EXTRA_PORT_BASE: port(3010),
  CANDIDATES_EXTRA_PORT_BASE: port(3020),
  REALTIME_PORT: port(3030),
  /** Prefix of every BullMQ key: lets several deployments (or test files) share one Redis. */
  QUEUE_PREFIX: z.string().min(1).default('nextbuy'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * The process's CPU niceness (0 normal … 19 lowest), set at boot. Background work (rebuild stages,
   * real-time refreshes) runs at 10 under `npm start`, so when the cores are busy the storefront's
   * reads and the events API go first (issue #15, defect 9; BENCHMARKS.md, "Reads under writes").
   */
  CPU_NICENESS: z.coerce.number().int().min(0).max(19).default(0),
  /** Postgres pool size per process: 2 cores serve a handful of connections well. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * Days of served answers (`recommendation_log`) and their feedback kept: older daily partitions
   * are dropped by serving (at start, then hourly). Experiment reports cover the days kept. 0 keeps
   * everything for ever.
   */
  LOG_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(90),
  /**
   * Which answers serving logs (feedback is attributed through the log): \`all\`, \`experiments\`
   * (only answers inside a running experiment) or \`sample:R\` (every experiment answer, and the
   * fraction R of the others, e.g. \`sample:0.1\`).
   */
  ANSWER_LOG: z
    .string()
    .default('all')
    .transform((raw, ctx): AnswerLogPolicy => {
      if (raw === 'all' || raw === 'experiments') return { mode: raw, rate: raw === 'all' ? 1 : 0 };
      const m = /^sample:(\d*\.?\d+)$/.exec(raw);
      const rate = m ? Number(m[1]) : NaN;
      if (!(rate >= 0 && rate <= 1)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${raw}" is not all, experiments or sample:R with R in [0, 1]`,
        });
        return { mode: 'all', rate: 1 };
      }
      return { mode: 'sample', rate };
    }),
  /** Largest events batch one POST /v1/events accepts (SPEC: up to 5,000). */
  EVENTS_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(5000),
  /**
   * Rank shards per rebuild (customer hash ranges), at least: spread over candidates workers; 4 keeps
   * 2 cores busy. A store with more than REBUILD_SHARDS × CUSTOMERS_PER_SHARD customers gets more.
   */
  REBUILD_SHARDS: z.coerce.number().int().min(1).max(1024).default(4),
  /**
   * Customers one rank shard holds at most (up to 1,024 shards): a bigger store means more shards,
   * not bigger ones, so a worker's memory follows this setting, not the store (docs/scaling.md).
   */
  CUSTOMERS_PER_SHARD: z.coerce.number().int().min(1).default(100_000),
  /** Published builds kept for rollback; older ones are garbage-collected after each publish. */
  BUILDS_KEEP: z.coerce.number().int().min(1).max(100).default(3),
  /**
   * A build in flight with no stage progress for this long is taken as abandoned (its jobs were lost,
   * e.g. Redis restarted without persistence) and marked failed when the next rebuild is asked for.
   */
  BUILD_STALE_MINUTES: z.coerce.number().int().min(1).default(60),
  /** Cron expression for scheduled rebuilds (e.g. `0 3 * * *`); empty means no schedule. */
  REBUILD_SCHEDULE: z.string().default(''),
  /**
   * Cron expression for scheduled model training (e.g. `0 2 * * 0`, weekly); empty means none.
   * Rebuilds rank with the active model, so this sets how stale the ranker may get (docs/models.md).
   */
  TRAIN_SCHEDULE: z.string().default(''),
  /**
   * How long a worker's lock on a job lasts unless renewed: a killed worker's job is run again this
   * long (at most) plus one stalled-job check after the kill. Renewed every tenth of it by a timer
   * on the event loop, so a stage may hold the loop for up to nine tenths (18 s) without losing its
   * job; the longest block measured on the Online Retail data is 14.0 s (a ranker training window,
   * ~3 s of CPU, on a machine at load average ~12: BENCHMARKS.md, "Faults and recovery").
   */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(20_000),
  /** How often workers look for jobs whose worker died (lock expired) and put them back. */
  WORKER_STALLED_CHECK_MS: z.coerce.number().int().min(500).default(5_000),
  /** A customer's events closer together than this cost one real-time refresh (the wait before it runs). */
  REALTIME_DEBOUNCE_MS: z.coerce.number().int().min(0).max(10_000).default(150),
  /**
   * Longest a refresh waits after a customer's first event of a burst: a customer sending events
   * more often than REALTIME_DEBOUNCE_MS still gets refreshed (raised to REALTIME_DEBOUNCE_MS if below).
   */
  REALTIME_MAX_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(400),
  /** Refresh jobs one candidates process takes at once; those waiting together are refreshed in one batch. */
  REALTIME_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /**
   * What a candidates process runs: `all` (both queues), `rebuild` (rank shards and publish) or
   * `realtime` (refreshes only, never blocked by a rank shard's seconds of CPU). `npm start` runs
   * the candidates workers as `rebuild` plus one `realtime` process.
   */
  CANDIDATES_ROLE: z.enum(['all', 'rebuild', 'realtime']).default('all'),
  /** An import touching at most this many customers refreshes their lists; beyond it, rebuild. */
  REALTIME_IMPORT_MAX_CUSTOMERS: z.coerce.number().int().min(0).default(1000),
  /**
   * Serving's default cap on one category's share of an answer (diversity), 0 < share ≤ 1: at most
   * max(1, ⌊share × limit⌋) items of one category. 1 is no cap. A request's `max_category_share`
   * overrides it (docs/rules.md).
   */
  MAX_CATEGORY_SHARE: z.coerce.number().gt(0).max(1).default(1),
  /**
   * Serving's memory for the usual call's answers that rules or the catalogue reshaped, kept per
   * customer so the next request is one Redis GET (apps/serving/README.md); 0 keeps none.
   */
  SHAPED_TOPS_MAX_BYTES: z.coerce.number().int().min(0).default(64 * 1024 * 1024),
  /** Largest HTTP body in bytes: 5,000 events of ~300 bytes each fit with room to spare. */
  HTTP_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  /**
   * How long an HTTP app trusts its lookup of a stored key (`nextbuy keys create`): requests cost no
   * database round trip, and a revoked key stops working within this time.
   */
  API_KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /**
   * Requests per minute per API key, counted in Redis across replicas (in memory while Redis is away).
   * A storefront sends all its shoppers' traffic under one key: 60,000 is 1,000 requests/s.
   */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60_000),
  /** Requests per minute per client IP without a valid key (docs, mistyped keys, key guessing). */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Storefront origins allowed to call the HTTP APIs from a browser, comma-separated; empty: no CORS headers. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((raw, ctx): string[] => {
      const origins = raw
        .split(',')
        .map((s) => s.trim().replace(/\/+$/, ''))
        .filter(Boolean);
      for (const origin of origins) {
        if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
          ctx.addIssue({
            code: 'custom',
            message: `"${origin}" is not an origin (scheme://host[:port], e.g. https://shop.example.com)`,
          });
        }
      }
      return origins;
    }),
  // --- the operations console (apps/console) ---
  /** HTTP port of the console (its SPA, sign-in and the /api forwarding). */
  CONSOLE_PORT: port(3040),
  /** Where the console forwards `/api/ingestion/…` and Bull Board; default: this machine's INGESTION_PORT. */
  INGESTION_URL: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Prometheus `/metrics` URLs the console scrapes for its live figures (serving requests and p99,
   * real-time refreshes), comma-separated; default: serving's and the candidates worker's on this machine.
   */
  CONSOLE_METRICS_URLS: z
    .string()
    .default('')
    .transform((raw, ctx): string[] => {
      const urls = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const url of urls)
        if (!z.url({ protocol: /^https?$/ }).safeParse(url).success)
          ctx.addIssue({ code: 'custom', message: `"${url}" is not an http(s) URL` });
      return urls;
    }),
  /** How often the console scrapes those: per-minute rates and p99 are taken over the last minute of scrapes. */
  CONSOLE_METRICS_INTERVAL_MS: z.coerce.number().int().min(1000).max(60_000).default(5000),
  /** Mark the sign-in cookie `Secure` (the console is served over HTTPS, e.g. behind an ingress with TLS). */
  CONSOLE_COOKIE_SECURE: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
});

export type Env = z.infer<typeof envSchema>;

/** `ANSWER_LOG` parsed: answers outside an experiment are logged with probability `rate`. */
export interface AnswerLogPolicy {
  mode: 'all' | 'experiments' | 'sample';
  rate: number;
}

export class ConfigError extends Error {}

/** Validates an environment; throws one error that names every bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return result.data;
}

let cached: Env | undefined;

/** The process environment, validated once and cached (apps call this at boot). */
export function loadEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
