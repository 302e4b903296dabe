import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { QueueModule, ServerModule } from '@nextbuy/server';
import { RebuildModule } from './rebuild/rebuild.module';

export const APP = 'features';

/**
 * The features worker: feature stages of a rebuild (affinities, category preferences, item
 * statistics, co-purchase and similarity graphs). Its HTTP side serves only `/health` (Postgres, and Redis,
 * which carries its queues) and `/metrics`; queue processors join as feature modules.
 */
@Module({})
export class AppModule {
  /** `env` is explicit in tests (their own database); `main.ts` passes the process environment. */
  static forRoot(env?: Env): DynamicModule {
    return {
      module: AppModule,
      imports: [ServerModule.forRoot({ name: APP, env, redis: true }), QueueModule.forRoot(), RebuildModule],
    };
  }
}
