import { Injectable, Optional } from '@nestjs/common';
import { type ApiScope, type Env, strongerScope } from '@nextbuy/config';
import { ApiKeyRepository, hashApiKey } from '@nextbuy/db';
import { timingSafeEqual } from 'node:crypto';
import { InjectEnv } from '../config/config.module';

/** A key the app accepts: who it is (for rate limits and logs, never the key itself) and its scope. */
export interface ResolvedKey {
  /** `env:<12 hex of its hash>` for a `NEXTBUY_API_KEYS` key, `key:<id>` for a stored one. */
  id: string;
  scope: ApiScope;
}

/** Bounds the memory of the lookup cache when someone sends a stream of made-up keys. */
const MAX_CACHED_LOOKUPS = 10_000;

/**
 * Which key a request presents: those of `NEXTBUY_API_KEYS` (compared as SHA-256 digests with
 * `timingSafeEqual` against every entry, so timing reveals neither a key nor which entry matched),
 * then the stored ones of `nextbuy keys create` (looked up by hash). Every answer, found or not, is
 * cached in memory by the presented key for `API_KEY_CACHE_SECONDS`, so a request costs no database
 * round trip and no hash; a revoked key therefore stops working within that time. Shared by the
 * guard and the rate limiter.
 */
@Injectable()
export class ApiKeyResolver {
  private readonly envKeys: { digest: Buffer; key: ResolvedKey }[];
  private readonly cacheMs: number;
  private readonly cache = new Map<string, { value: ResolvedKey | null; expires: number }>();
  private readonly loading = new Map<string, Promise<ResolvedKey | null>>();

  constructor(
    @InjectEnv() env: Env,
    @Optional() private readonly stored?: ApiKeyRepository,
  ) {
    this.envKeys = env.NEXTBUY_API_KEYS.map(({ key, scope }) => {
      const digest = hashApiKey(key);
      return { digest, key: { id: `env:${digest.toString('hex').slice(0, 12)}`, scope } };
    });
    this.cacheMs = env.API_KEY_CACHE_SECONDS * 1000;
  }

  /**
   * The key, or null when it is not one we know. Synchronous for configured keys and cached
   * lookups (the common path); a promise when the database must be asked.
   */
  resolve(presented: string): ResolvedKey | null | Promise<ResolvedKey | null> {
    // By the presented text: a request of a key seen within the TTL costs no hash either.
    const cached = this.cache.get(presented);
    if (cached && cached.expires > Date.now()) return cached.value;
    const digest = hashApiKey(presented);
    const configured = this.fromEnv(digest);
    if (configured || !this.stored) {
      this.remember(presented, configured);
      return configured;
    }
    return this.lookUp(presented, digest, this.stored);
  }

  /** Forgets every cached lookup (tests; an operator revoking a key in-process). */
  clearCache(): void {
    this.cache.clear();
  }

  private fromEnv(digest: Buffer): ResolvedKey | null {
    // A key listed twice has comparable scopes (the env schema refuses write and ops together).
    let best: ResolvedKey | null = null;
    for (const k of this.envKeys) {
      if (
        timingSafeEqual(k.digest, digest) &&
        (best === null || strongerScope(k.key.scope, best.scope) === k.key.scope)
      ) {
        best = k.key;
      }
    }
    return best;
  }

  /** Concurrent requests with one uncached key share one query. */
  private lookUp(presented: string, digest: Buffer, stored: ApiKeyRepository): Promise<ResolvedKey | null> {
    const pending = this.loading.get(presented);
    if (pending) return pending;
    const load = stored
      .findLive(digest)
      .then((row) => {
        const value: ResolvedKey | null = row ? { id: `key:${row.id}`, scope: row.scope } : null;
        this.remember(presented, value);
        return value;
      })
      .finally(() => this.loading.delete(presented));
    this.loading.set(presented, load);
    return load;
  }

  private remember(presented: string, value: ResolvedKey | null): void {
    if (this.cacheMs <= 0) return;
    if (this.cache.size >= MAX_CACHED_LOOKUPS) this.evictExpired();
    this.cache.set(presented, { value, expires: Date.now() + this.cacheMs });
  }

  private evictExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.cache) if (entry.expires <= now) this.cache.delete(key);
    // Still full of live entries: a flood of distinct keys. Start over rather than grow.
    if (this.cache.size >= MAX_CACHED_LOOKUPS) this.cache.clear();
  }
}
