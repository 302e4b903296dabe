import { Processor } from '@nestjs/bullmq';
import type { OnApplicationBootstrap } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { JobName, QueueName } from '@nextbuy/contracts';
import { InjectEnv, JobDispatcher, QueueProcessor, workerTimings } from '@nextbuy/server';
import { CustomerRefresher } from './customer-refresher';
import { refreshCount, refreshDuration } from './realtime.metrics';

/**
 * Real-time refreshes on their own queue, so they never wait behind rank shards (and, with
 * CANDIDATES_ROLE=realtime, in a process no rank shard blocks). Many jobs are taken at once
 * (REALTIME_CONCURRENCY): the refresher ranks those waiting together in one batch, so the database
 * and cache round trips are paid per batch, and each customer costs a few milliseconds of CPU.
 */
@Processor(QueueName.Realtime, workerTimings())
export class RealtimeProcessor
  extends QueueProcessor<typeof QueueName.Realtime>
  implements OnApplicationBootstrap
{
  protected readonly dispatcher: JobDispatcher<typeof QueueName.Realtime>;

  constructor(
    refresher: CustomerRefresher,
    @InjectEnv() private readonly env: Env,
  ) {
    super();
    const duration = refreshDuration();
    const count = refreshCount();
    this.dispatcher = new JobDispatcher(
      QueueName.Realtime,
      {
        [JobName.RefreshCustomer]: async ({ customerId }) => {
          const end = duration.startTimer();
          const outcome = await refresher.refresh(customerId);
          end();
          count.inc({ outcome: outcome.buildId ? 'refreshed' : 'no_build' });
        },
      },
      // A lost refresh costs freshness only: the customer's next event or the next rebuild redoes it.
      () => {
        count.inc({ outcome: 'failed' });
        return Promise.resolve();
      },
    );
  }

  /** The worker exists once the module is initialised; it takes this many jobs at once from here on. */
  onApplicationBootstrap(): void {
    this.worker.concurrency = this.env.REALTIME_CONCURRENCY;
  }
}
