import type Redis from 'ioredis';

/** What `@fastify/rate-limit` expects of a store: count one request of `key`, say the count and window left. */
export interface RateLimitCount {
  current: number;
  /** Milliseconds until the window of `key` ends. */
  ttl: number;
}
type Done = (err: Error | null, result: RateLimitCount) => void;

/**
 * Share of its limit below which a key's requests are decided at once, Redis being told in the
 * background; above it a request waits for Redis's total (when no sync is in flight), so decisions
 * near the limit are exact. Far from it, waiting would only add a round trip to every light request.
 */
const EXACT_ABOVE = 0.5;

/**
 * Far from its limit, a key's counts reach Redis at most this late, together: a busy key then costs
 * a few Redis calls a second rather than one per request. Other replicas' counts are seen as late,
 * which cannot matter below half the limit.
 */
const BACKGROUND_SYNC_MS = 100;

/** Bounds the memory of the counters (one per key or client IP). */
const MAX_LOCAL_KEYS = 50_000;

/**
 * One fixed window per key: INCRBY the requests counted since the last sync; the window starts with
 * the first. A key left without an expiry (a crash between the two calls) gets one, so it can never
 * block forever.
 */
const INCR_SCRIPT = `
local current = redis.call('INCRBY', KEYS[1], ARGV[2])
if current == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}`;

interface RateLimitRedis extends Redis {
  nextbuyRateLimit(key: string, windowMs: number, count: number): Promise<[number, number]>;
}

/** One key's window as this process sees it. */
interface Window {
  /** Every replica's count as Redis last answered it. */
  shared: number;
  /** Counted here, in the sync now in flight. */
  sending: number;
  /** Counted here since, not sent yet. */
  pending: number;
  resetAt: number;
  syncing: boolean;
  /** A background sync is scheduled. */
  scheduled: boolean;
  /** The key's limit as the plugin last gave it (`undefined`: none given, every sync is exact). */
  max: number | undefined;
}

/**
 * Counts each key in Redis, so every replica of an app shares one limit, with at most one round trip
 * in flight per key and process. Past `EXACT_ABOVE` of its limit, a request that finds no sync in
 * flight sends the key's count and waits for the total (exact, as every request near the limit is when
 * traffic is light); every other request is decided at once on the last total plus what this process
 * counted since, and its count goes to Redis with the next sync (below `EXACT_ABOVE`, one scheduled
 * `BACKGROUND_SYNC_MS` later).
 * Under load a key therefore costs one Redis call per round trip near its limit and one per
 * `BACKGROUND_SYNC_MS` far from it, not one per request; a limit is approximate by what other
 * replicas counted during one round trip (well under a millisecond) near it.
 * While Redis is away (not connected, or a command fails) each process counts alone, so an outage
 * loosens the limit to one per replica and never fails a request; what it counted meanwhile reaches
 * Redis with the next sync.
 */
export class FallbackRateLimitStore {
  private readonly windows = new Map<string, Window>();
  private readonly redis: RateLimitRedis;

  constructor(
    redis: Redis,
    /** Prefix of the Redis keys (`{QUEUE_PREFIX}:ratelimit:`). */
    private readonly prefix: string,
  ) {
    if (!('nextbuyRateLimit' in redis)) {
      redis.defineCommand('nextbuyRateLimit', { numberOfKeys: 1, lua: INCR_SCRIPT });
    }
    this.redis = redis as RateLimitRedis;
  }

  /** `max`: the key's limit (the plugin passes it); without it every sync is waited for. */
  incr(key: string, done: Done, windowMs: number, max?: number): void {
    const window = this.windowOf(key, windowMs);
    window.pending += 1;
    window.max = max;
    if (!window.syncing && this.redis.status === 'ready') {
      if (nearLimit(window)) {
        void this.sync(key, window, windowMs).then(() => done(null, count(window)));
        return;
      }
      this.scheduleSync(key, window, windowMs);
    }
    done(null, count(window));
  }

  /** One counter per key across every route: the limit is the key's, not the route's. */
  child(): this {
    return this;
  }

  private windowOf(key: string, windowMs: number): Window {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.windows.size >= MAX_LOCAL_KEYS) this.evictExpired(now);
      window = {
        shared: 0,
        sending: 0,
        pending: 0,
        resetAt: now + windowMs,
        syncing: false,
        scheduled: false,
        max: undefined,
      };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Sends what this process counted; the total Redis answers replaces the shared count. Never rejects. */
  private async sync(key: string, window: Window, windowMs: number): Promise<void> {
    window.syncing = true;
    window.sending = window.pending;
    window.pending = 0;
    let synced = false;
    try {
      const [current, ttl] = await this.redis.nextbuyRateLimit(this.prefix + key, windowMs, window.sending);
      window.shared = current;
      window.resetAt = Date.now() + ttl;
      synced = true;
    } catch {
      // Counted here; the next request tries Redis again.
      window.pending += window.sending;
    }
    window.sending = 0;
    window.syncing = false;
    // Requests decided meanwhile reach Redis without anyone waiting for the answer: at once near the
    // limit, else with the next background sync. Re-syncing at once far from the limit too kept one
    // Redis call per round trip going for as long as traffic lasted (thousands a second under load,
    // each a socket write and a reply to parse on the event loop; BENCHMARKS.md, "Serving warm path").
    if (synced && window.pending > 0 && this.windows.get(key) === window) {
      if (nearLimit(window)) void this.sync(key, window, windowMs);
      else this.scheduleSync(key, window, windowMs);
    }
  }

  /** A sync of what `window` counted, `BACKGROUND_SYNC_MS` from now (one scheduled at a time). */
  private scheduleSync(key: string, window: Window, windowMs: number): void {
    if (window.scheduled) return;
    window.scheduled = true;
    setTimeout(() => {
      window.scheduled = false;
      if (!window.syncing && window.pending > 0) void this.sync(key, window, windowMs);
    }, BACKGROUND_SYNC_MS).unref();
  }

  private evictExpired(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    if (this.windows.size >= MAX_LOCAL_KEYS) this.windows.clear();
  }
}

/** Past `EXACT_ABOVE` of its limit (or with none given): a request waits for Redis's total. */
function nearLimit(window: Window): boolean {
  return window.max === undefined || count(window).current >= window.max * EXACT_ABOVE;
}

function count(window: Window): RateLimitCount {
  return {
    current: window.shared + window.sending + window.pending,
    ttl: Math.max(0, window.resetAt - Date.now()),
  };
}
