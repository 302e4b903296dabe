import { type DynamicModule, type Type } from '@nestjs/common';
import { ModuleRef, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Env } from '@nextbuy/config';
import { Logger } from 'nestjs-pino';
import { answerClientError, answerFrameworkError, MAX_PARAM_LENGTH } from '../errors/framework-errors';
import { parseJsonBody } from '../errors/json-body-parser';
import { HttpErrorFilter } from '../errors/http-exception.filter';
import { REQUEST_LOG, type RequestLog } from '../logging/logging.module';
import { observeHttpRequests } from '../metrics/http-metrics';
import { HttpRateLimiter } from '../rate-limit/http-rate-limiter';
import { type OpenApiOptions, setupOpenApi } from '../openapi/openapi';

export interface HttpAppOptions {
  /** The validated environment the module was built with (body limit). */
  env: Env;
  /** Serve OpenAPI at `/docs` (HTTP apps with a public API). */
  openApi?: OpenApiOptions;
}

/**
 * A Nest app on Fastify, initialized but not listening: tests call `app.inject()` or
 * `app.listen(0)`, `bootstrapHttpApp` listens on the app's port. Only JSON bodies are accepted (up
 * to `HTTP_BODY_LIMIT_BYTES`), and every error leaves as `{statusCode, error, message, details?}`.
 */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  { env, openApi }: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: env.HTTP_BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors Fastify answers before Nest's filter can: the same `{statusCode, error, message}`.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    // Boot errors are thrown to the caller (main exits, a test fails) instead of process.exit().
    abortOnError: false,
  });
  try {
    app.useLogger(app.get(Logger));
    const fastify = app.getHttpAdapter().getInstance();
    // Text bodies would reach handlers as strings: refuse them (415) like every non-JSON type.
    fastify.removeContentTypeParser('text/plain');
    app.useBodyParser('application/json', { bodyLimit: env.HTTP_BODY_LIMIT_BYTES }, parseJsonBody);
    observeHttpRequests(fastify);
    optional<RequestLog>(app, REQUEST_LOG)?.attach(fastify);
    // CORS before the rate limiter: a browser can read a 429 only if it carries CORS headers.
    if (env.CORS_ORIGINS.length > 0) app.enableCors(corsOptions(env.CORS_ORIGINS));
    const limiter = optional(app, HttpRateLimiter);
    if (limiter) await limiter.register(app);
    app.useGlobalFilters(
      new HttpErrorFilter(app.getHttpAdapter(), { bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES }),
    );
    if (openApi) await setupOpenApi(app, openApi);
    await app.init();
    await fastify.ready();
    return app;
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
}

/** Headers a storefront sends, and the ones its scripts may read (rate limits, MCP sessions). */
function corsOptions(origins: string[]) {
  return {
    origin: origins,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['x-api-key', 'authorization', 'content-type', 'mcp-session-id', 'mcp-protocol-version'],
    exposedHeaders: [
      'retry-after',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'mcp-session-id',
    ],
    // Browsers may reuse a preflight answer this long (seconds).
    maxAge: 600,
  };
}

/**
 * A provider the app's modules may or may not include (apps without API keys have no rate limiter).
 * Looked up through `ModuleRef`: the app returned by `NestFactory` logs every failed `get` as a
 * level-50 ExceptionHandler error with a stack, a false alarm at each worker's boot.
 */
function optional<T>(
  app: NestFastifyApplication,
  token: (new (...args: never[]) => T) | symbol,
): T | undefined {
  try {
    return app.get(ModuleRef).get<T>(token, { strict: false });
  } catch {
    return undefined;
  }
}
