import { Processor } from '@nestjs/bullmq';
import { JobName, QueueName } from '@nextbuy/contracts';
import { RebuildStages, stageOfJob } from '@nextbuy/pipeline';
import { JobDispatcher, QueueProcessor, workerTimings } from '@nextbuy/server';

/**
 * Rank shards, per-product lists and publish. One job at a time per process: the work is CPU
 * bound, so more shards in parallel means more candidates processes, not more concurrency.
 */
@Processor(QueueName.Candidates, { concurrency: 1, ...workerTimings() })
export class CandidatesProcessor extends QueueProcessor<typeof QueueName.Candidates> {
  protected readonly dispatcher: JobDispatcher<typeof QueueName.Candidates>;

  constructor(stages: RebuildStages) {
    super();
    this.dispatcher = new JobDispatcher(
      QueueName.Candidates,
      {
        [JobName.PlanRanking]: ({ buildId }) => stages.planRanking(buildId),
        [JobName.RankShard]: ({ buildId, shard, shards }) => stages.rankShard(buildId, shard, shards),
        [JobName.ItemLists]: ({ buildId }) => stages.itemLists(buildId),
        [JobName.Publish]: ({ buildId }) => stages.publish(buildId),
      },
      (job, error) => stages.fail((job.data as { buildId: string }).buildId, stageOfJob(job), error),
    );
  }
}
