import { JobName } from '@nextbuy/contracts';
import type { Job } from 'bullmq';

/** The stage a job records its state under on the build (`builds.stages`). */
export function stageOfJob(job: Pick<Job, 'name' | 'data'>): string {
  const data = job.data as { stage?: string; shard?: number };
  switch (job.name) {
    case JobName.Snapshot:
      return 'snapshot';
    case JobName.Feature:
      return data.stage ?? 'feature';
    case JobName.RankShard:
      return `rank-${data.shard ?? '?'}`;
    case JobName.ItemLists:
      return 'item-lists';
    case JobName.PlanRanking:
    case JobName.Publish:
      return 'rank';
    default:
      return job.name;
  }
}
