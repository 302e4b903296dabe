import fastifyRateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import {
  HttpStatus,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Env } from '@nextbuy/config';
import type { FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { ApiKeyResolver, type ResolvedKey } from '../auth/api-key-resolver';
import { resolveRequestKey } from '../auth/api-key.guard';
import { InjectEnv } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { withTimeout } from '../health/timeout';
import { FallbackRateLimitStore } from './rate-limit.store';

/** Limits are per minute (`RATE_LIMIT_PER_MINUTE`, `RATE_LIMIT_ANONYMOUS_PER_MINUTE`). */
export const RATE_LIMIT_WINDOW_MS = 60_000;
/** A healthy Redis answers in well under a millisecond; past this the request is counted in memory. */
const RATE_LIMIT_REDIS_TIMEOUT_MS = 100;
/** How long boot waits for Redis before counting in memory. */
const FIRST_CONNECT_WAIT_MS = 1000;
/** Probes and scrapers on the internal network: never limited, so a busy app stays in its load balancer. */
const UNLIMITED_PATHS = /^\/(health|metrics)(\/|\?|$)/;
const ANONYMOUS = 'ip:';

/**
 * Rate limits of an HTTP app with API keys, through `@fastify/rate-limit` before any parsing: per
 * API key (`RATE_LIMIT_PER_MINUTE`, every route together) and, for requests without a valid key,
 * per client IP (`RATE_LIMIT_ANONYMOUS_PER_MINUTE`). Beyond the limit: 429 with `Retry-After`.
 * Counted in Redis (shared by replicas), in memory while Redis is away: never an error.
 */
@Injectable()
export class HttpRateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  /** Logged once per outage rather than once per request. */
  private degraded = false;

  constructor(
    @InjectEnv() private readonly env: Env,
    private readonly resolver: ApiKeyResolver,
  ) {
    this.redis = new Redis(env.REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: RATE_LIMIT_REDIS_TIMEOUT_MS,
      disconnectTimeout: 100,
      // Under load many requests count in the same tick: one round trip carries them all.
      enableAutoPipelining: true,
      connectionName: 'nextbuy-rate-limit',
    });
    this.redis.on('error', (e: Error) => {
      if (this.degraded) return;
      this.degraded = true;
      this.logger.warn(`Redis unavailable for rate limits (${e.message}); counting in memory per process`);
    });
    this.redis.on('ready', () => (this.degraded = false));
  }

  async onModuleInit(): Promise<void> {
    await withTimeout(this.redis.connect(), FIRST_CONNECT_WAIT_MS).catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  /** Registers the limiter on the app's Fastify instance; before `app.init()`, so every route gets it. */
  async register(app: NestFastifyApplication): Promise<void> {
    const { redis } = this;
    const prefix = `${this.env.QUEUE_PREFIX}:ratelimit:`;
    const perKey = this.env.RATE_LIMIT_PER_MINUTE;
    const anonymous = this.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE;
    const options: RateLimitPluginOptions = {
      global: true,
      hook: 'onRequest',
      timeWindow: RATE_LIMIT_WINDOW_MS,
      max: (_req, key) => (key.startsWith(ANONYMOUS) ? anonymous : perKey),
      keyGenerator: (req) => this.limitKey(req),
      allowList: (req) => UNLIMITED_PATHS.test(req.url),
      store: class extends FallbackRateLimitStore {
        constructor() {
          super(redis, prefix);
        }
      },
      errorResponseBuilder: (_req, context) =>
        new ApiError(
          HttpStatus.TOO_MANY_REQUESTS,
          `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`,
          { limit: context.max, retry_after_seconds: Math.ceil(context.ttl / 1000) },
        ),
    };
    await app.register(fastifyRateLimit, options);
  }

  /** The request's valid key, else its client IP: unknown keys share their sender's anonymous limit. */
  private limitKey(req: FastifyRequest): string | Promise<string> {
    const byKey = (key: ResolvedKey | null | undefined) => (key ? key.id : ANONYMOUS + req.ip);
    const resolved = resolveRequestKey(this.resolver, req);
    // A failed lookup (Postgres away) is counted by IP here; the guard then answers 503.
    return resolved instanceof Promise ? resolved.then(byKey, () => byKey(undefined)) : byKey(resolved);
  }
}
