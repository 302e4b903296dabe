import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { NextbuyApiError, NextbuyClient } from '@nextbuy/client';
import { parse, serialize } from 'cookie';
import { covers, type Env } from '@nextbuy/config';
import type { KeyView } from '@nextbuy/contracts';
import { ApiError, InjectEnv } from '@nextbuy/server';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';

/** The HttpOnly cookie that carries an operator's key: the browser's script never sees it again. */
export const SESSION_COOKIE = 'nextbuy_console_key';
/** A working day: after it, the operator signs in again. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;
/** Bounds the memory of remembered keys when someone sends a stream of made-up cookies. */
const MAX_REMEMBERED_KEYS = 1000;

type Headers = Record<string, string | string[] | undefined>;

/** The console shows operations (histories, builds, models): it signs in keys that cover `ops`. */
export const CONSOLE_SCOPE = 'ops';

function admitted(view: KeyView): KeyView {
  if (covers(view.scope, CONSOLE_SCOPE)) return view;
  throw new ApiError(
    HttpStatus.FORBIDDEN,
    `This key has scope "${view.scope}": the console needs an ops key (read-only) or an admin key. ` +
      'A read key is for storefronts; create an ops key with `nextbuy keys create --scope ops`.',
  );
}

/**
 * Signing in: the key is checked by asking ingestion who it is (`GET /v1/keys/me`), then travels in
 * an HttpOnly, SameSite=Strict cookie that the console's proxy turns back into `x-api-key`. The
 * answer is remembered for `API_KEY_CACHE_SECONDS`, as the apps remember their own lookups.
 */
@Injectable()
export class SessionService {
  private readonly known = new Map<string, { view: KeyView; expires: number }>();
  private readonly cacheMs: number;

  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    @InjectEnv() env: Env,
  ) {
    this.cacheMs = env.API_KEY_CACHE_SECONDS * 1000;
  }

  /** The key of the request's cookie, if it has one. */
  keyOf(headers: Headers): string | undefined {
    const cookie = headers.cookie;
    if (typeof cookie !== 'string') return undefined;
    const key = parse(cookie)[SESSION_COOKIE];
    return key ? key : undefined;
  }

  /**
   * Who a key is; 401 naming why when ingestion refuses it, 403 for a key that does not cover `ops`
   * (a storefront's `read` key, a `write` key: the console reads customer histories), 502 when
   * ingestion cannot be asked.
   */
  async verify(key: string): Promise<KeyView> {
    const cached = this.known.get(key);
    if (cached && cached.expires > Date.now()) return admitted(cached.view);
    const client = new NextbuyClient({ baseUrl: this.config.ingestionUrl, apiKey: key });
    let view: KeyView;
    try {
      view = await client.me();
    } catch (e) {
      if (e instanceof NextbuyApiError && (e.status === 401 || e.status === 403))
        throw new ApiError(HttpStatus.UNAUTHORIZED, e.body.message);
      if (e instanceof NextbuyApiError)
        throw new ApiError(HttpStatus.BAD_GATEWAY, `ingestion answered ${e.status}: ${e.body.message}`);
      throw new ApiError(HttpStatus.BAD_GATEWAY, `ingestion is not reachable at ${this.config.ingestionUrl}`);
    }
    if (this.known.size >= MAX_REMEMBERED_KEYS) this.known.clear();
    if (this.cacheMs > 0) this.known.set(key, { view, expires: Date.now() + this.cacheMs });
    return admitted(view);
  }

  /** The signed-in key of a request, verified; 401 when there is none. */
  async current(headers: Headers): Promise<KeyView> {
    const key = this.keyOf(headers);
    if (!key) throw new ApiError(HttpStatus.UNAUTHORIZED, 'Not signed in: sign in with an API key');
    return this.verify(key);
  }

  cookie(key: string): string {
    return serialize(SESSION_COOKIE, key, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.secureCookie,
      path: '/',
      maxAge: SESSION_MAX_AGE_SECONDS,
    });
  }

  clearedCookie(): string {
    return serialize(SESSION_COOKIE, '', {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.secureCookie,
      path: '/',
      maxAge: 0,
    });
  }
}
