import { Processor } from '@nestjs/bullmq';
import { JobName, QueueName } from '@nextbuy/contracts';
import { runQueuedEvaluation, stageOfJob, StageRunner } from '@nextbuy/rebuild';
import { JobDispatcher, QueueProcessor, workerTimings } from '@nextbuy/server';
import { DataSource } from 'typeorm';
import { FeatureStagesService } from './feature-stages.service';
import { SnapshotService } from './snapshot.service';

/**
 * Snapshot and feature stages of a rebuild, and backtests (`POST /v1/evaluations`). One job at a
 * time per process: the stages are CPU bound and synchronous, so a second job in the same process
 * would only wait behind the first (and inflate its timing); more stages in parallel means more
 * features processes.
 */
@Processor(QueueName.Features, { concurrency: 1, ...workerTimings() })
export class FeaturesProcessor extends QueueProcessor<typeof QueueName.Features> {
  protected readonly dispatcher: JobDispatcher<typeof QueueName.Features>;

  constructor(
    snapshot: SnapshotService,
    features: FeatureStagesService,
    stages: StageRunner,
    db: DataSource,
  ) {
    super();
    this.dispatcher = new JobDispatcher(
      QueueName.Features,
      {
        [JobName.Snapshot]: ({ buildId }) => snapshot.snapshot(buildId),
        [JobName.Feature]: ({ buildId, stage }) => features.feature(buildId, stage),
        [JobName.EvaluationRun]: ({ evaluationId }) => runQueuedEvaluation(db, evaluationId),
      },
      // Build stages fail their build; an evaluation job records its own failure on its row.
      (job, error) => {
        const { buildId } = job.data as { buildId?: string };
        return buildId ? stages.fail(buildId, stageOfJob(job), error) : Promise.resolve();
      },
    );
  }
}
