import { BullModule } from '@nestjs/bullmq';
import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { createProducerConnection, JobProducer } from '@nextbuy/queue';
import type Redis from 'ioredis';
import { ENV } from '../config/config.module';
import { redisOptionsFromUrl } from './redis-options';

/** The producer-side Redis connection (fails fast): enqueues jobs and publishes notifications. */
export const PRODUCER_REDIS = Symbol('nextbuy.producer-redis');

@Injectable()
class ProducerLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly producer: JobProducer,
    @Inject(PRODUCER_REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close();
    this.redis.disconnect();
  }
}

/**
 * BullMQ for an app: the root connection and prefix for `@Processor` workers (BullMQ owns those
 * connections and sets `maxRetriesPerRequest: null` on them), and the typed `JobProducer`.
 */
@Global()
@Module({})
export class QueueModule {
  static forRoot(): DynamicModule {
    return {
      module: QueueModule,
      imports: [
        BullModule.forRootAsync({
          inject: [ENV],
          useFactory: (env: Env) => ({
            connection: redisOptionsFromUrl(env.REDIS_URL),
            prefix: env.QUEUE_PREFIX,
          }),
        }),
      ],
      providers: [
        {
          provide: PRODUCER_REDIS,
          inject: [ENV],
          useFactory: (env: Env) => createProducerConnection(env.REDIS_URL),
        },
        {
          provide: JobProducer,
          inject: [PRODUCER_REDIS, ENV],
          useFactory: (redis: Redis, env: Env) => new JobProducer(redis, env.QUEUE_PREFIX),
        },
        ProducerLifecycle,
      ],
      exports: [PRODUCER_REDIS, JobProducer, BullModule],
    };
  }
}
