import { JobName } from '@nextbuy/contracts';
import type { TypedFlowJob } from './producer';

/*
 * A rebuild is a chain of fan-outs and fan-ins, each stage enqueuing what follows:
 *
 *   snapshot ──▶ plan-ranking ◀── feature stages (parallel, features queue), some after stages
 *                    │          of their own: ranker ◀── its training windows; item lists
 *                    │          (candidates queue, idle meanwhile) ◀── the graphs they read
 *                    ▼
 *                publish ◀── rank shards (parallel, candidates queue)
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

/** A stage of the feature phase, run once the stages it needs have finished (a subtree of the flow). */
export interface FeatureStageNode {
  stage: string;
  /** A feature stage (features queue), or the per-product lists (candidates queue, idle until ranking). */
  job?: 'feature' | 'item-lists';
  needs?: readonly FeatureStageNode[];
  /** BullMQ priority (1 runs first): puts the critical path ahead of the stages that can wait. */
  priority?: number;
}

/** Feature stages run in parallel; `plan-ranking` runs when all have finished. */
export function featuresFlow(buildId: string, stages: readonly (string | FeatureStageNode)[]): TypedFlowJob {
  const node = (s: string | FeatureStageNode): TypedFlowJob => {
    const { stage, job = 'feature', needs, priority } = typeof s === 'string' ? { stage: s } : s;
    return {
      ...(job === 'item-lists'
        ? { name: JobName.ItemLists, data: { buildId }, jobId: jobIds.itemLists(buildId) }
        : { name: JobName.Feature, data: { buildId, stage }, jobId: jobIds.feature(buildId, stage) }),
      ...(priority === undefined ? {} : { priority }),
      ...(needs?.length ? { children: needs.map(node) } : {}),
    };
  };
  return {
    name: JobName.PlanRanking,
    data: { buildId },
    jobId: jobIds.planRanking(buildId),
    children: stages.map(node),
  };
}

/** Rank shards (customer hash ranges) run in parallel; `publish` runs when all have finished. */
export function rankingFlow(buildId: string, shards: number): TypedFlowJob {
  return {
    name: JobName.Publish,
    data: { buildId },
    jobId: jobIds.publish(buildId),
    children: Array.from({ length: shards }, (_, shard) => ({
      name: JobName.RankShard,
      data: { buildId, shard, shards },
      jobId: jobIds.rankShard(buildId, shard),
    })),
  };
}
