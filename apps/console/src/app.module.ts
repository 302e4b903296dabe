import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { loadEnv } from '@nextbuy/config';
import { ServerModule } from '@nextbuy/server';
import { CONSOLE_CONFIG, consoleConfig, type ConsoleConfig } from './console.config';
import { LiveMetricsService } from './live/live-metrics.service';
import { ConsoleRoutes } from './proxy/console-routes';
import { SessionController } from './session/session.controller';
import { SessionService } from './session/session.service';

export const APP = 'console';

/**
 * The operations console's server: the SPA, sign-in, the live figures, and `/api/…` forwarded to
 * ingestion and serving. It holds no database connection: it reaches the data through the apps.
 */
@Module({})
export class AppModule {
  /** `env` is explicit in tests; `console` overrides what the environment derives (tests: the apps' ports). */
  static forRoot(env?: Env, console: Partial<ConsoleConfig> = {}): DynamicModule {
    const config = consoleConfig(env ?? loadEnv(), console);
    return {
      module: AppModule,
      imports: [ServerModule.forRoot({ name: APP, env, database: false })],
      controllers: [SessionController],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        SessionService,
        LiveMetricsService,
        ConsoleRoutes,
      ],
    };
  }
}
