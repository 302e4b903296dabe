import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { ApiKeyModule } from './auth/api-key.module';
import { APP_NAME, ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule, type RouteMatch } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';

export interface ServerModuleOptions {
  /** The app's name: logs, metrics label, Postgres application_name. */
  name: string;
  /** Explicit environment (tests); default: the process environment, validated once. */
  env?: Env;
  /** Redis is pinged by /health (apps with queues or a cache). Default false. */
  redis?: boolean;
  /** Guard every route with API keys (apps with a public API). Default false. */
  apiKeys?: boolean;
  /**
   * Connect to Postgres and ping it in /health. Default true; the console, which reaches the data
   * only through the apps' HTTP APIs, turns it off.
   */
  database?: boolean;
  /** Routes without a per-request log line (see `LoggingModule`). */
  unloggedRoutes?: RouteMatch[];
}

/**
 * What every app imports first: config, logging, the database, `/health`, `/metrics` and, for
 * HTTP APIs, the API-key guard.
 */
@Global()
@Module({})
export class ServerModule {
  static forRoot({
    name,
    env,
    redis = false,
    apiKeys = false,
    database = true,
    unloggedRoutes,
  }: ServerModuleOptions): DynamicModule {
    return {
      module: ServerModule,
      imports: [
        ConfigModule.forRoot(env),
        LoggingModule.forRoot(name, unloggedRoutes),
        ...(database ? [DatabaseModule.forRoot()] : []),
        HealthModule.forRoot({ postgres: database, redis }),
        MetricsModule.forRoot(name),
        ...(apiKeys ? [ApiKeyModule] : []),
      ],
      providers: [{ provide: APP_NAME, useValue: name }],
      // The key resolver too: routes served outside Nest's pipeline authorize with it.
      exports: [APP_NAME, ...(apiKeys ? [ApiKeyModule] : [])],
    };
  }
}
