import { type CanActivate, type ExecutionContext, HttpStatus, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type ApiScope, covers, type Env, scopesCovering } from '@nextbuy/config';
import { InjectEnv } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { ApiKeyResolver, type ResolvedKey } from './api-key-resolver';
import { PUBLIC_ROUTE, REQUIRED_SCOPE } from './requires-scope.decorator';

export interface KeyedRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The scope of the key that authenticated the request (for handlers that vary by scope). */
  apiKeyScope?: ApiScope;
  /** The request's key as resolved once (by the rate limiter or the guard): null for an unknown key. */
  resolvedApiKey?: ResolvedKey | null;
}

export interface ReplyLike {
  header?(name: string, value: string): unknown;
}

/**
 * The key a request presents, resolved at most once per request (the rate limiter, which runs first,
 * and the guard share the answer): `undefined` when it presents none, null for an unknown key.
 */
export function resolveRequestKey(
  resolver: ApiKeyResolver,
  request: KeyedRequest,
): ResolvedKey | null | undefined | Promise<ResolvedKey | null> {
  if (request.resolvedApiKey !== undefined) return request.resolvedApiKey;
  const presented = presentedKey(request.headers);
  if (presented === undefined) return undefined;
  const resolved = resolver.resolve(presented);
  if (resolved instanceof Promise) {
    return resolved.then((key) => (request.resolvedApiKey = key));
  }
  request.resolvedApiKey = resolved;
  return resolved;
}

/**
 * API keys from `x-api-key` or `Authorization: Bearer KEY`: those of `NEXTBUY_API_KEYS` and the
 * stored ones of `nextbuy keys create` (see `ApiKeyResolver`). A route declares the scope it needs
 * with `@RequiresScope` (a key passes when its scope covers that one: `covers` in @nextbuy/config); `@Public()` routes need no key; a route with neither needs
 * `admin`, so a forgotten decorator never opens a route.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly resolver: ApiKeyResolver;

  constructor(
    private readonly reflector: Reflector,
    @InjectEnv() env: Env,
    @Optional() resolver?: ApiKeyResolver,
  ) {
    this.resolver = resolver ?? new ApiKeyResolver(env);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<ApiScope>(REQUIRED_SCOPE, targets) ?? 'admin';

    const http = context.switchToHttp();
    return authorize(this.resolver, http.getRequest<KeyedRequest>(), http.getResponse<ReplyLike>(), required);
  }
}

/**
 * The guard's decision for one request that needs `required`: true, or a 401/403 `ApiError` thrown.
 * Synchronous unless a stored key must be looked up. Also used by routes served outside Nest's
 * pipeline (the storefront's hot route), so they admit exactly what the guard admits.
 */
export function authorize(
  resolver: ApiKeyResolver,
  request: KeyedRequest,
  reply: ReplyLike,
  required: ApiScope,
): true | Promise<true> {
  const resolved = resolveRequestKey(resolver, request);
  if (resolved instanceof Promise) return resolved.then((key) => admit(request, reply, key, required));
  return admit(request, reply, resolved, required);
}

function admit(
  request: KeyedRequest,
  reply: ReplyLike,
  key: ResolvedKey | null | undefined,
  required: ApiScope,
): true {
  if (key === undefined) {
    challenge(reply);
    throw new ApiError(
      HttpStatus.UNAUTHORIZED,
      'Missing API key: send it in the x-api-key header or as Authorization: Bearer KEY',
    );
  }
  if (key === null) {
    challenge(reply);
    throw new ApiError(HttpStatus.UNAUTHORIZED, 'Invalid API key');
  }
  if (!covers(key.scope, required)) throw new ApiError(HttpStatus.FORBIDDEN, forbidden(key.scope, required));
  request.apiKeyScope = key.scope;
  return true;
}

/** The 403's words: the key's scope, and every scope that would do (`admin` covers all). */
export function forbidden(held: ApiScope, required: ApiScope): string {
  const others = scopesCovering(required).map((s) => `"${s}"`);
  return `This API key has scope "${held}"; this route needs ${[`"${required}"`, ...others].join(' or ')}`;
}

export function presentedKey(headers: KeyedRequest['headers']): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const authorization = headers['authorization'];
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) return match[1].trim();
  }
  return undefined;
}

function challenge(reply: ReplyLike): void {
  reply.header?.('WWW-Authenticate', 'Bearer realm="nextbuy"');
}
