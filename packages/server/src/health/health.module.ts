import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { PostgresHealthIndicator } from './postgres.health';
import { RedisHealthIndicator } from './redis.health';

export interface HealthOptions {
  /** Ping Postgres (needs `DatabaseModule`). Default true. */
  postgres?: boolean;
  /** Ping `REDIS_URL`: turn on in apps that use Redis (queues, cache). Default false. */
  redis?: boolean;
}

/** `GET /health` (readiness and liveness, 503 when a dependency is down) and `GET /health/live`. */
@Module({})
export class HealthModule {
  static forRoot({ postgres = true, redis = false }: HealthOptions = {}): DynamicModule {
    const providers: Provider[] = [];
    if (postgres) providers.push(PostgresHealthIndicator);
    if (redis) providers.push(RedisHealthIndicator);
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
      controllers: [HealthController],
      providers,
    };
  }
}
