import { Processor } from '@nestjs/bullmq';
import { JobName, QueueName } from '@nextbuy/contracts';
import { RebuildStages, stageOfJob } from '@nextbuy/pipeline';
import { JobDispatcher, QueueProcessor, workerTimings } from '@nextbuy/server';

/** Snapshot and feature stages of a rebuild. */
@Processor(QueueName.Features, { concurrency: 2, ...workerTimings() })
export class FeaturesProcessor extends QueueProcessor<typeof QueueName.Features> {
  protected readonly dispatcher: JobDispatcher<typeof QueueName.Features>;

  constructor(stages: RebuildStages) {
    super();
    this.dispatcher = new JobDispatcher(
      QueueName.Features,
      {
        [JobName.Snapshot]: ({ buildId }) => stages.snapshot(buildId),
        [JobName.Feature]: ({ buildId, stage }) => stages.feature(buildId, stage),
      },
      (job, error) => stages.fail((job.data as { buildId: string }).buildId, stageOfJob(job), error),
    );
  }
}
