import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Env } from '@nextbuy/config';
import { JobName, QueueName } from '@nextbuy/contracts';
import { BuildInFlightError, BuildRepository } from '@nextbuy/db';
import { rebuildTriggerSettings, triggerRebuild } from '@nextbuy/rebuild';
import { JobProducer } from '@nextbuy/queue';
import { InjectEnv, JobDispatcher, QueueProcessor } from '@nextbuy/server';

const SCHEDULER_ID = 'rebuild';

/**
 * Scheduled rebuilds (off unless REBUILD_SCHEDULE is set): a BullMQ job scheduler, so several
 * replicas share one schedule and a tick fires once. A tick while a build runs is skipped.
 */
@Processor(QueueName.Schedule)
export class ScheduleProcessor
  extends QueueProcessor<typeof QueueName.Schedule>
  implements OnApplicationBootstrap
{
  private readonly logger = new Logger('schedule');
  protected readonly dispatcher: JobDispatcher<typeof QueueName.Schedule>;

  constructor(
    @InjectQueue(QueueName.Schedule) private readonly queue: Queue,
    @InjectEnv() private readonly env: Env,
    builds: BuildRepository,
    producer: JobProducer,
  ) {
    super();
    this.dispatcher = new JobDispatcher(
      QueueName.Schedule,
      {
        [JobName.ScheduledRebuild]: async () => {
          try {
            const build = await triggerRebuild(builds, producer, rebuildTriggerSettings(env), {
              trigger: 'schedule',
            });
            this.logger.log(`scheduled rebuild ${build.id} started`);
          } catch (e) {
            if (!(e instanceof BuildInFlightError)) throw e;
            this.logger.warn(`scheduled rebuild skipped: ${e.message}`);
          }
        },
      },
      () => Promise.resolve(),
    );
  }

  /** Applied in the background: a Redis outage at boot must not keep the app from starting. */
  onApplicationBootstrap(): void {
    void this.applySchedule().catch((e: Error) =>
      this.logger.error(`could not apply the rebuild schedule: ${e.message}`),
    );
  }

  private async applySchedule(): Promise<void> {
    const pattern = this.env.REBUILD_SCHEDULE.trim();
    if (pattern) {
      await this.queue.upsertJobScheduler(
        SCHEDULER_ID,
        { pattern },
        { name: JobName.ScheduledRebuild, data: {} },
      );
      this.logger.log(`rebuilds scheduled: ${pattern}`);
    } else {
      await this.queue.removeJobScheduler(SCHEDULER_ID);
    }
  }
}
