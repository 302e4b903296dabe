import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Env } from '@nextbuy/config';
import { JobName, QueueName } from '@nextbuy/contracts';
import { BuildInFlightError, BuildRepository, ModelRepository } from '@nextbuy/db';
import { rebuildTriggerSettings, triggerRebuild, triggerTraining } from '@nextbuy/rebuild';
import { JobProducer } from '@nextbuy/queue';
import { InjectEnv, JobDispatcher, QueueProcessor } from '@nextbuy/server';

/** Each schedule: its job scheduler id, the variable holding its cron pattern, the job it adds. */
const SCHEDULES = [
  { id: 'rebuild', variable: 'REBUILD_SCHEDULE', job: JobName.ScheduledRebuild, what: 'rebuilds' },
  { id: 'training', variable: 'TRAIN_SCHEDULE', job: JobName.ScheduledTraining, what: 'model training' },
] as const;

/**
 * Scheduled rebuilds and model training (each off unless REBUILD_SCHEDULE / TRAIN_SCHEDULE is set):
 * BullMQ job schedulers, so several replicas share one schedule and a tick fires once. A tick while
 * any build runs (rebuild or training) is skipped: the database admits one build in flight, so a
 * scheduled training never runs twice at once, nor beside a rebuild.
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
    models: ModelRepository,
    producer: JobProducer,
  ) {
    super();
    const settings = rebuildTriggerSettings(env);
    const skipInFlight = async (what: string, start: () => Promise<string>) => {
      try {
        this.logger.log(`scheduled ${what} ${await start()} started`);
      } catch (e) {
        if (!(e instanceof BuildInFlightError)) throw e;
        this.logger.warn(`scheduled ${what} skipped: ${e.message}`);
      }
    };
    this.dispatcher = new JobDispatcher(
      QueueName.Schedule,
      {
        [JobName.ScheduledRebuild]: () =>
          skipInFlight('rebuild', async () => {
            return (await triggerRebuild(builds, producer, settings, { trigger: 'schedule' })).id;
          }),
        [JobName.ScheduledTraining]: () =>
          skipInFlight('training', async () => {
            const { build } = await triggerTraining(builds, models, producer, settings, {
              trigger: 'schedule',
            });
            return build.id;
          }),
      },
      () => Promise.resolve(),
    );
  }

  /** Applied in the background: a Redis outage at boot must not keep the app from starting. */
  onApplicationBootstrap(): void {
    for (const schedule of SCHEDULES) {
      void this.applySchedule(schedule).catch((e: Error) =>
        this.logger.error(`could not apply the ${schedule.what} schedule: ${e.message}`),
      );
    }
  }

  private async applySchedule({ id, variable, job, what }: (typeof SCHEDULES)[number]): Promise<void> {
    const pattern = this.env[variable].trim();
    if (pattern) {
      await this.queue.upsertJobScheduler(id, { pattern }, { name: job, data: {} });
      this.logger.log(`${what} scheduled: ${pattern}`);
    } else {
      await this.queue.removeJobScheduler(id);
    }
  }
}
