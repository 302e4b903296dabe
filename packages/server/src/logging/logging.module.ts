import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { LoggerModule, PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import { type Logger, pino } from 'pino';
import { ENV } from '../config/config.module';

/** Probes and scrapes arrive every few seconds: logging each one would drown the real traffic. */
const QUIET_PATHS = new Set(['/health', '/health/live', '/metrics']);

/** Headers that carry secrets never reach a log line (request lines carry no headers at all). */
const REDACTED = ['req.headers["x-api-key"]', 'req.headers.authorization', 'req.headers.cookie'];

/** The app's pino logger: Nest's log lines and the request lines both go through it. */
export function createAppLogger(name: string, env: Env): Logger {
  const pretty = env.NODE_ENV === 'development' && process.stdout.isTTY && env.LOG_LEVEL !== 'silent';
  return pino({
    name,
    level: env.LOG_LEVEL,
    redact: { paths: REDACTED, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
  });
}

/** A route as Nest's middleware names it (`path` without the leading slash). */
export interface RouteMatch {
  path: string;
  method: RequestMethod;
}

/** Injection token of the app's `RequestLog`. */
export const REQUEST_LOG = Symbol('nextbuy.request-log');

interface LoggedRequest {
  id: string;
  method: string;
  url: string;
  ip: string;
  routeOptions?: { url?: string };
}
interface HookHost {
  addHook(
    name: 'onResponse',
    hook: (
      request: LoggedRequest,
      reply: { statusCode: number; elapsedTime: number },
      done: () => void,
    ) => void,
  ): unknown;
}

/**
 * One line per request, written by a Fastify `onResponse` hook: 4xx are the client's business
 * (info), 5xx ours (error). Not Nest middleware (pino-http through nestjs-pino): that ran Fastify's
 * middleware engine and an AsyncLocalStorage scope for every request, whose promise hooks then
 * taxed every promise in the process — a fifth of the hot route's cost (BENCHMARKS.md, serving).
 */
export class RequestLog {
  /** `METHOD /route/:pattern` of the unlogged routes. */
  private readonly unlogged: Set<string>;

  constructor(
    readonly logger: Logger,
    unlogged: readonly RouteMatch[] = [],
  ) {
    this.unlogged = new Set(unlogged.map((r) => `${RequestMethod[r.method]} /${r.path}`));
  }

  attach(fastify: HookHost): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const level = reply.statusCode >= 500 ? 'error' : 'info';
      if (this.logger.isLevelEnabled(level) && !this.skips(request)) {
        this.logger[level](
          {
            req: { id: request.id, method: request.method, url: request.url, remoteAddress: request.ip },
            res: { statusCode: reply.statusCode },
            responseTime: Math.round(reply.elapsedTime),
          },
          'request completed',
        );
      }
      done();
    });
  }

  private skips(request: LoggedRequest): boolean {
    const route = request.routeOptions?.url;
    if (route !== undefined && this.unlogged.has(`${request.method} ${route}`)) return true;
    const query = request.url.indexOf('?');
    return QUIET_PATHS.has(query < 0 ? request.url : request.url.slice(0, query));
  }
}

/**
 * pino for the Nest logger (nestjs-pino, without its per-request middleware: `forRoutes` is empty)
 * and the `RequestLog` that `createHttpApp` attaches, named after the app. `unlogged` routes get no
 * line: hot routes whose traffic `http_request_duration_seconds` counts by route and status, and
 * whose 5xx the error filter logs.
 */
@Module({})
export class LoggingModule {
  static forRoot(name: string, unlogged: RouteMatch[] = []): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [ENV],
          useFactory: (env: Env): Params => ({
            pinoHttp: { logger: createAppLogger(name, env) },
            forRoutes: [],
          }),
        }),
      ],
      providers: [
        {
          provide: REQUEST_LOG,
          inject: [PARAMS_PROVIDER_TOKEN],
          useFactory: (params: Params) => new RequestLog(loggerOf(params), unlogged),
        },
      ],
      exports: [REQUEST_LOG],
    };
  }
}

function loggerOf(params: Params): Logger {
  const options = params.pinoHttp;
  if (options && !Array.isArray(options) && 'logger' in options && options.logger) return options.logger;
  throw new Error('LoggingModule: nestjs-pino was configured without the app logger');
}
