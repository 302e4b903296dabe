import { Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { JobProducer } from '@nextbuy/queue';
import { ENV, PRODUCER_REDIS } from '@nextbuy/server';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { RebuildStages } from './rebuild-stages';

/** `RebuildStages` for the worker apps (needs `ServerModule` and `QueueModule` imported first). */
@Module({
  providers: [
    {
      provide: RebuildStages,
      inject: [DataSource, JobProducer, PRODUCER_REDIS, ENV],
      useFactory: (db: DataSource, producer: JobProducer, redis: Redis, env: Env) =>
        new RebuildStages(db, producer, redis, {
          keepBuilds: env.BUILDS_KEEP,
          catchUpMaxCustomers: env.REALTIME_IMPORT_MAX_CUSTOMERS,
        }),
    },
  ],
  exports: [RebuildStages],
})
export class RebuildStagesModule {}
