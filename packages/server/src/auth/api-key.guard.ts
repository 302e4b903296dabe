import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { API_SCOPES, type ApiScope, type Env } from '@nextbuy/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import { InjectEnv } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { PUBLIC_ROUTE, REQUIRED_SCOPE } from './requires-scope.decorator';

interface KeyedRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The scope of the key that authenticated the request (for handlers that vary by scope). */
  apiKeyScope?: ApiScope;
}

interface ReplyLike {
  header?(name: string, value: string): unknown;
}

const rank = (scope: ApiScope) => API_SCOPES.indexOf(scope);
const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/**
 * API keys of `NEXTBUY_API_KEYS`, from `x-api-key` or `Authorization: Bearer KEY`. A route declares
 * the weakest scope it accepts with `@RequiresScope`; `@Public()` routes need no key; a route with
 * neither needs `admin`, so a forgotten decorator never opens a route. Keys are compared as SHA-256
 * digests with `timingSafeEqual`, against every configured key, so timing reveals neither the key
 * nor which entry matched.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: { digest: Buffer; scope: ApiScope }[];

  constructor(
    private readonly reflector: Reflector,
    @InjectEnv() env: Env,
  ) {
    this.keys = env.NEXTBUY_API_KEYS.map(({ key, scope }) => ({ digest: digest(key), scope }));
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<ApiScope>(REQUIRED_SCOPE, targets) ?? 'admin';

    const http = context.switchToHttp();
    const request = http.getRequest<KeyedRequest>();
    const presented = presentedKey(request.headers);
    if (presented === undefined) {
      challenge(http.getResponse<ReplyLike>());
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'Missing API key: send it in the x-api-key header or as Authorization: Bearer KEY',
      );
    }
    const scope = this.scopeOf(presented);
    if (scope === undefined) {
      challenge(http.getResponse<ReplyLike>());
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'Invalid API key');
    }
    if (rank(scope) < rank(required)) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        `This API key has scope "${scope}"; this route needs "${required}" or stronger`,
      );
    }
    request.apiKeyScope = scope;
    return true;
  }

  /** The strongest scope granted to `key`, or undefined when it is not configured. */
  private scopeOf(key: string): ApiScope | undefined {
    const candidate = digest(key);
    let best: ApiScope | undefined;
    for (const k of this.keys) {
      if (timingSafeEqual(k.digest, candidate) && (best === undefined || rank(k.scope) > rank(best))) {
        best = k.scope;
      }
    }
    return best;
  }
}

function presentedKey(headers: KeyedRequest['headers']): string | undefined {
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
