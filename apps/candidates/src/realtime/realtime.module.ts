import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { QueueName } from '@nextbuy/contracts';
import { ENV, LIST_CACHE_TTL_SECONDS, listCachePrefix, PRODUCER_REDIS } from '@nextbuy/server';
import type Redis from 'ioredis';
import { BuildOutputRepository, BuildRepository, CatalogRepository, EventRepository } from '@nextbuy/db';
import { ActiveBuildPreloader } from './active-build-preloader';
import { CustomerRefresher, type RefreshBatchStats } from './customer-refresher';
import { refreshBatchSize, refreshBatchSteps } from './realtime.metrics';
import { RealtimeProcessor } from './realtime.processor';

function recordBatch(): (batch: RefreshBatchStats) => void {
  const steps = refreshBatchSteps();
  const size = refreshBatchSize();
  return ({ customers, seconds }) => {
    size.observe(customers);
    for (const [step, s] of Object.entries(seconds)) steps.observe({ step }, s);
  };
}

@Module({
  imports: [BullModule.registerQueue({ name: QueueName.Realtime })],
  providers: [
    {
      provide: CustomerRefresher,
      inject: [
        BuildRepository,
        BuildOutputRepository,
        EventRepository,
        CatalogRepository,
        PRODUCER_REDIS,
        ENV,
      ],
      useFactory: (
        builds: BuildRepository,
        outputs: BuildOutputRepository,
        events: EventRepository,
        catalog: CatalogRepository,
        redis: Redis,
        env: Env,
      ) =>
        new CustomerRefresher({ builds, outputs, events, catalog }, redis, {
          cacheKeyPrefix: listCachePrefix(env.QUEUE_PREFIX),
          cacheTtlSeconds: LIST_CACHE_TTL_SECONDS,
          maxBatch: env.REALTIME_CONCURRENCY,
          onBatch: recordBatch(),
        }),
    },
    RealtimeProcessor,
    ActiveBuildPreloader,
  ],
})
export class RealtimeModule {}
