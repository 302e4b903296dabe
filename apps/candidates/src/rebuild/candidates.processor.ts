import { Processor } from '@nestjs/bullmq';
import { JobName, QueueName } from '@nextbuy/contracts';
import { stageOfJob, StageRunner } from '@nextbuy/rebuild';
import { JobDispatcher, QueueProcessor, workerTimings } from '@nextbuy/server';
import { ItemListsService } from './item-lists.service';
import { PublishService } from './publish.service';
import { RankingService } from './ranking.service';

/**
 * Rank shards, per-product lists and publish. One job at a time per process: the work is CPU
 * bound, so more shards in parallel means more candidates processes, not more concurrency.
 */
@Processor(QueueName.Candidates, { concurrency: 1, ...workerTimings() })
export class CandidatesProcessor extends QueueProcessor<typeof QueueName.Candidates> {
  protected readonly dispatcher: JobDispatcher<typeof QueueName.Candidates>;

  constructor(
    ranking: RankingService,
    itemLists: ItemListsService,
    publish: PublishService,
    stages: StageRunner,
  ) {
    super();
    this.dispatcher = new JobDispatcher(
      QueueName.Candidates,
      {
        [JobName.PlanRanking]: ({ buildId }) => ranking.planRanking(buildId),
        [JobName.RankShard]: ({ buildId, shard, shards }) => ranking.rankShard(buildId, shard, shards),
        [JobName.ItemLists]: ({ buildId }) => itemLists.itemLists(buildId),
        [JobName.Publish]: ({ buildId }) => publish.publish(buildId),
      },
      (job, error) => stages.fail((job.data as { buildId: string }).buildId, stageOfJob(job), error),
    );
  }
}
