import { type DynamicModule, Module, type RequestMethod } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { ENV } from '../config/config.module';

/** Probes and scrapes arrive every few seconds: logging each one would drown the real traffic. */
const QUIET_PATHS = new Set(['/health', '/health/live', '/metrics']);

/** Headers that carry secrets never reach a log line. */
const REDACTED = ['req.headers["x-api-key"]', 'req.headers.authorization', 'req.headers.cookie'];

export function pinoHttpOptions(name: string, env: Env): Options {
  const pretty = env.NODE_ENV === 'development' && process.stdout.isTTY && env.LOG_LEVEL !== 'silent';
  return {
    name,
    level: env.LOG_LEVEL,
    redact: { paths: REDACTED, censor: '[redacted]' },
    autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
    // 4xx are the client's business (info), 5xx are ours (error).
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
  };
}

/** A route as Nest's middleware names it (`path` without the leading slash). */
export interface RouteMatch {
  path: string;
  method: RequestMethod;
}

/**
 * pino for the Nest logger and one line per request (nestjs-pino), named after the app. `unlogged`
 * routes get no line (and no per-request logger): hot routes whose traffic
 * `http_request_duration_seconds` counts by route and status, and whose 5xx the error filter logs.
 */
@Module({})
export class LoggingModule {
  static forRoot(name: string, unlogged: RouteMatch[] = []): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [ENV],
          useFactory: (env: Env) => ({
            pinoHttp: pinoHttpOptions(name, env),
            ...(unlogged.length > 0 ? { exclude: unlogged } : {}),
          }),
        }),
      ],
    };
  }
}
