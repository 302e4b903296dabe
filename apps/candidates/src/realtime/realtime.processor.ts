import { Processor } from '@nestjs/bullmq';
import { JobName, QueueName } from '@nextbuy/contracts';
import { loadEnv } from '@nextbuy/config';
import { CustomerRefresher } from '@nextbuy/pipeline';
import { JobDispatcher, QueueProcessor, workerTimings } from '@nextbuy/server';
import { refreshCount, refreshDuration } from './realtime.metrics';

/**
 * Real-time refreshes on their own queue, so they never wait behind rank shards (and, with
 * CANDIDATES_ROLE=realtime, in a process no rank shard blocks). Many jobs are taken at once
 * (REALTIME_CONCURRENCY): the refresher ranks those waiting together in one batch, so the database
 * and cache round trips are paid per batch, and each customer costs a few milliseconds of CPU.
 */
@Processor(QueueName.Realtime, { concurrency: loadEnv().REALTIME_CONCURRENCY, ...workerTimings() })
export class RealtimeProcessor extends QueueProcessor<typeof QueueName.Realtime> {
  protected readonly dispatcher: JobDispatcher<typeof QueueName.Realtime>;

  constructor(refresher: CustomerRefresher) {
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
}
