import { JobName } from '@nextbuy/contracts';
import type { TypedFlowJob } from './producer';

/*
 * A rebuild is a chain of fan-outs and fan-ins, each stage enqueuing what follows:
 *
 *   snapshot ──▶ plan-ranking ◀── feature stages (parallel, features queue)
 *                    │
 *                    ▼
 *                publish ◀── rank shards + item lists (parallel, candidates queue)
 *
 * BullMQ flows are trees (a parent waits for its children), so each fan-in is one flow added by
 * the stage before it. Job ids are deterministic per build: a re-delivered step never doubles work.
 */

export const jobIds = {
  snapshot: (buildId: string) => `build-${buildId}-snapshot`,
  feature: (buildId: string, stage: string) => `build-${buildId}-feature-${stage}`,
  planRanking: (buildId: string) => `build-${buildId}-plan-ranking`,
  rankShard: (buildId: string, shard: number) => `build-${buildId}-rank-${shard}`,
  publish: (buildId: string) => `build-${buildId}-publish`,
  itemLists: (buildId: string) => `build-${buildId}-item-lists`,
};

/** Feature stages run in parallel; `plan-ranking` runs when all have finished. */
export function featuresFlow(buildId: string, stages: readonly string[]): TypedFlowJob {
  return {
    name: JobName.PlanRanking,
    data: { buildId },
    jobId: jobIds.planRanking(buildId),
    children: stages.map((stage) => ({
      name: JobName.Feature,
      data: { buildId, stage },
      jobId: jobIds.feature(buildId, stage),
    })),
  };
}

/**
 * Rank shards (customer hash ranges) and the per-product lists run in parallel; `publish` runs
 * when all have finished.
 */
export function rankingFlow(buildId: string, shards: number): TypedFlowJob {
  return {
    name: JobName.Publish,
    data: { buildId },
    jobId: jobIds.publish(buildId),
    children: [
      ...Array.from({ length: shards }, (_, shard) => ({
        name: JobName.RankShard,
        data: { buildId, shard, shards },
        jobId: jobIds.rankShard(buildId, shard),
      })),
      { name: JobName.ItemLists, data: { buildId }, jobId: jobIds.itemLists(buildId) },
    ],
  };
}
