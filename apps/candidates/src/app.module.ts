import { type DynamicModule, Module } from '@nestjs/common';
import { loadEnv, type Env } from '@nextbuy/config';
import { QueueModule, ServerModule } from '@nextbuy/server';
import { RebuildModule } from './rebuild/rebuild.module';
import { RealtimeModule } from './realtime/realtime.module';

export const APP = 'candidates';

/**
 * The candidates worker: candidate generation, ranking, publish and real-time
 * refresh. Its HTTP side serves only `/health` (Postgres, and Redis,
 * which carries its queues) and `/metrics`; queue processors join as feature modules.
 */
@Module({})
export class AppModule {
  /** `env` is explicit in tests (their own database); `main.ts` passes the process environment. */
  static forRoot(env?: Env): DynamicModule {
    // CANDIDATES_ROLE: a `realtime` process is never blocked by a rank shard's seconds of CPU.
    const role = (env ?? loadEnv()).CANDIDATES_ROLE;
    return {
      module: AppModule,
      imports: [
        ServerModule.forRoot({ name: APP, env, redis: true }),
        QueueModule.forRoot(),
        ...(role === 'realtime' ? [] : [RebuildModule]),
        ...(role === 'rebuild' ? [] : [RealtimeModule]),
      ],
    };
  }
}
