import { JobName, QueueName } from '@nextbuy/contracts';
import type { EngineConfig } from '@nextbuy/engine';
import type { TypedFlowJob } from '@nextbuy/queue';
import type { Job } from 'bullmq';

/*
 * The shape of a rebuild, written once: its stage names (as recorded on `builds.stages` and as the
 * artifacts in `build_artifacts` are named), its flows, and the stage list a build goes through.
 * The CLI, ingestion and the workers all read it from here.
 *
 *   snapshot ──▶ plan-ranking ◀── feature stages (parallel, features queue), some after stages
 *                    │          of their own: ranker ◀── its training windows; item lists
 *                    │          (candidates queue, idle meanwhile) ◀── the graphs they read
 *                    ▼
 *                publish ◀── rank shards (parallel, candidates queue)
 *
 * Three plans (`buildPlan`): a rebuild with a usable stored model ranks with it (`rank`: no windows,
 * no fit); a rebuild without one fits its own ranker first (`train-and-rank`, the picture above);
 * a training build (`nextbuy train`) is snapshot ──▶ windows ──▶ ranker ──▶ gate and stores a model.
 *
 * BullMQ flows are trees (a parent waits for its children), so each fan-in is one flow added by
 * the stage before it. Job ids are deterministic per build: a re-delivered step never doubles work.
 */

/** Events, customers and catalogue before as-of, as typed arrays: the input of every other stage. */
export const SNAPSHOT = 'snapshot';

/** Feature stages at as-of: each reads only the snapshot, so they run as parallel jobs. */
export const FEATURE_STAGES = [
  'item-stats',
  'item-graphs',
  'attribute-graph',
  'customer-affinities',
  'customer-neighbours',
] as const;
export type FeatureStage = (typeof FEATURE_STAGES)[number];

/** The ranker's fit: runs once its training windows have finished. */
export const RANKER = 'ranker';
/** A training build's last stage: the new model against the active one on the holdout, then stored. */
export const GATE = 'gate';
/** The holdout customers' candidates of training window 1 (what the gate scores models on). */
export const RANKER_HOLDOUT = 'ranker-holdout';

/**
 * How a build runs: `rank` with a stored model (`builds.model_id`), `train-and-rank` (a rebuild
 * with no usable model fits its own, and stores it as a model), `train` (a training build).
 */
export type BuildPlan = 'rank' | 'train-and-rank' | 'train';
export function buildPlan(build: { kind?: string | null; modelId?: string | null }): BuildPlan {
  if (build.kind === 'training') return 'train';
  return build.modelId ? 'rank' : 'train-and-rank';
}
const WINDOW_STAGE = /^ranker-window-(\d+)$/;
/** One training window of the ranker (features as of its cut, labels after it): a stage of its own. */
export const rankerWindowStage = (window: number) => `ranker-window-${window}`;
/** The window number of a `ranker-window-N` stage, or null for any other stage. */
export function rankerWindowOf(stage: string): number | null {
  const m = WINDOW_STAGE.exec(stage);
  return m ? Number(m[1]) : null;
}

/** The per-product lists (similar, bought together, popular): they read only these feature stages. */
export const ITEM_LISTS = 'item-lists';
export const ITEM_LIST_INPUTS = [
  'item-stats',
  'item-graphs',
  'attribute-graph',
] as const satisfies readonly FeatureStage[];

/** One rank shard (a customer hash range). */
export const rankShardStage = (shard: number) => `rank-${shard}`;
/** The ranking phase as a whole: planned when the features are done, done when the build publishes. */
export const RANK = 'rank';

const windowsOf = (config: EngineConfig) =>
  Array.from({ length: config.ranker.trainingWindows }, (_, i) => rankerWindowStage(i + 1));

/** Every feature-phase stage (features queue, after the snapshot) of a build with this plan. */
export function featureStageNames(config: EngineConfig, plan: BuildPlan = 'train-and-rank'): string[] {
  switch (plan) {
    case 'rank':
      return [...FEATURE_STAGES];
    case 'train':
      return [...windowsOf(config), RANKER, GATE];
    default:
      return [...windowsOf(config), RANKER, ...FEATURE_STAGES];
  }
}

/** Every stage a build with this configuration and plan records, in the order they start. */
export function expectedStages(
  config: EngineConfig,
  shards: number,
  plan: BuildPlan = 'train-and-rank',
): string[] {
  if (plan === 'train') return [SNAPSHOT, ...featureStageNames(config, plan)];
  return [
    SNAPSHOT,
    ...featureStageNames(config, plan),
    ITEM_LISTS,
    ...Array.from({ length: shards }, (_, shard) => rankShardStage(shard)),
    RANK,
  ];
}

/** The stage a job records its state under on the build (`builds.stages`). */
export function stageOfJob(job: Pick<Job, 'name' | 'data'>): string {
  const data = job.data as { stage?: string; shard?: number };
  switch (job.name) {
    case JobName.Snapshot:
      return SNAPSHOT;
    case JobName.Feature:
      return data.stage ?? 'feature';
    case JobName.RankShard:
      return data.shard === undefined ? 'rank-?' : rankShardStage(data.shard);
    case JobName.ItemLists:
      return ITEM_LISTS;
    case JobName.PlanRanking:
    case JobName.Publish:
      return RANK;
    default:
      return job.name;
  }
}

export const jobIds = {
  snapshot: (buildId: string) => `build-${buildId}-snapshot`,
  feature: (buildId: string, stage: string) => `build-${buildId}-feature-${stage}`,
  planRanking: (buildId: string) => `build-${buildId}-plan-ranking`,
  rankShard: (buildId: string, shard: number) => `build-${buildId}-rank-${shard}`,
  publish: (buildId: string) => `build-${buildId}-publish`,
  itemLists: (buildId: string) => `build-${buildId}-item-lists`,
};

/** Every job a build with this configuration may enqueue (any plan), with its queue (to find them in Redis). */
export function buildJobs(
  buildId: string,
  config: EngineConfig,
  shards: number,
): { queue: QueueName; jobId: string }[] {
  const features = QueueName.Features;
  const candidates = QueueName.Candidates;
  return [
    { queue: features, jobId: jobIds.snapshot(buildId) },
    ...[...featureStageNames(config), GATE].map((stage) => ({
      queue: features,
      jobId: jobIds.feature(buildId, stage),
    })),
    { queue: candidates, jobId: jobIds.itemLists(buildId) },
    { queue: candidates, jobId: jobIds.planRanking(buildId) },
    ...Array.from({ length: shards }, (_, shard) => ({
      queue: candidates,
      jobId: jobIds.rankShard(buildId, shard),
    })),
    { queue: candidates, jobId: jobIds.publish(buildId) },
  ];
}

/** A stage of the feature phase, run once the stages it needs have finished (a subtree of the flow). */
export interface FeatureStageNode {
  stage: string;
  /** A feature stage (features queue), or the per-product lists (candidates queue, idle until ranking). */
  job?: 'feature' | 'item-lists';
  needs?: readonly FeatureStageNode[];
  /** BullMQ priority (1 runs first): puts the critical path ahead of the stages that can wait. */
  priority?: number;
}

/** The ranker's fit after its windows (window 1, the most data and the longest, listed first). */
const rankerNode = (config: EngineConfig, priority?: number): FeatureStageNode => ({
  stage: RANKER,
  priority,
  needs: windowsOf(config).map((stage) => ({ stage, priority })),
});

/**
 * The feature phase as a flow: the ranker (its windows, then the fit) is the critical path when the
 * build trains, so its jobs go first (priority 1); the feature stages at as-of fill the other worker
 * (priority 2), and the item lists run on a candidates worker as soon as their inputs exist — the
 * candidates workers would idle until ranking otherwise. A build that ranks with a stored model has
 * no ranker stages at all.
 */
export function featureFlowStages(
  config: EngineConfig,
  plan: Exclude<BuildPlan, 'train'> = 'train-and-rank',
): FeatureStageNode[] {
  const inputs: readonly string[] = ITEM_LIST_INPUTS;
  return [
    ...(plan === 'train-and-rank' ? [rankerNode(config, 1)] : []),
    { stage: ITEM_LISTS, job: 'item-lists', needs: inputs.map((stage) => ({ stage, priority: 2 })) },
    ...FEATURE_STAGES.filter((stage) => !inputs.includes(stage)).map((stage) => ({ stage, priority: 2 })),
  ];
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

/** A training build after its snapshot: windows (parallel) ──▶ ranker ──▶ gate, all on the features queue. */
export function trainingFlow(buildId: string, config: EngineConfig): TypedFlowJob {
  const node = ({ stage, needs }: FeatureStageNode): TypedFlowJob => ({
    name: JobName.Feature,
    data: { buildId, stage },
    jobId: jobIds.feature(buildId, stage),
    ...(needs?.length ? { children: needs.map(node) } : {}),
  });
  return node({ stage: GATE, needs: [rankerNode(config)] });
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
