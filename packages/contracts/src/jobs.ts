import { z } from 'zod';

/*
 * DO NOT CHANGE THESE VALUES. Queue and job names are persisted in Redis keys and in queued jobs:
 * renaming one orphans whatever is waiting under the old name. Add new names instead.
 */
export const QueueName = {
  /** Snapshot and feature stages of a rebuild (apps/features). */
  Features: 'features',
  /** Ranking shards, publish, real-time refresh (apps/candidates). */
  Candidates: 'candidates',
  /** The rebuild schedule (a repeatable job). */
  Schedule: 'schedule',
  /** Real-time refresh of one customer's list (apps/candidates): never waits behind rank shards. */
  Realtime: 'realtime',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  Snapshot: 'build.snapshot',
  Feature: 'build.feature',
  PlanRanking: 'build.plan-ranking',
  RankShard: 'build.rank-shard',
  Publish: 'build.publish',
  ScheduledRebuild: 'build.scheduled',
  /** A TRAIN_SCHEDULE tick: starts a training build unless a build is in flight. */
  ScheduledTraining: 'build.scheduled-training',
  ItemLists: 'build.item-lists',
  /** A backtest (`POST /v1/evaluations`): fills the `evaluations` row it names. */
  EvaluationRun: 'evaluation.run',
  /** A customer's events changed: re-rank their list against the active build (debounced per customer). */
  RefreshCustomer: 'refresh.customer',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

const buildId = z.string().regex(/^\d+$/, 'build_id must be a decimal id');
const evaluationId = z.string().regex(/^\d+$/, 'evaluation_id must be a decimal id');

/** Job payloads carry ids, never entities: a job reads current state by id when it runs. */
export const jobPayloadSchemas = {
  [JobName.Snapshot]: z.object({ buildId }),
  [JobName.Feature]: z.object({ buildId, stage: z.string().min(1) }),
  [JobName.PlanRanking]: z.object({ buildId }),
  [JobName.RankShard]: z.object({
    buildId,
    shard: z.number().int().min(0),
    shards: z.number().int().min(1),
  }),
  [JobName.Publish]: z.object({ buildId }),
  [JobName.ScheduledRebuild]: z.object({}),
  [JobName.ScheduledTraining]: z.object({}),
  [JobName.ItemLists]: z.object({ buildId }),
  [JobName.EvaluationRun]: z.object({ evaluationId }),
  [JobName.RefreshCustomer]: z.object({ customerId: z.string().min(1) }),
} as const;

export type JobPayloadSchemas = typeof jobPayloadSchemas;
/** The payload type of one job name: `JobOf<'build.rank-shard'>`. */
export type JobOf<N extends JobName> = z.output<JobPayloadSchemas[N]>;
/** Every job as one discriminated union keyed by name. */
export type AnyJob = { [N in JobName]: { name: N; data: JobOf<N> } }[JobName];

/** Which queue each job runs on. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.Snapshot]: QueueName.Features,
  [JobName.Feature]: QueueName.Features,
  [JobName.PlanRanking]: QueueName.Candidates,
  [JobName.RankShard]: QueueName.Candidates,
  [JobName.Publish]: QueueName.Candidates,
  [JobName.ScheduledRebuild]: QueueName.Schedule,
  [JobName.ScheduledTraining]: QueueName.Schedule,
  [JobName.ItemLists]: QueueName.Candidates,
  [JobName.EvaluationRun]: QueueName.Features,
  [JobName.RefreshCustomer]: QueueName.Realtime,
};

export class InvalidJobPayloadError extends Error {}

/** A job that can never succeed as asked (missing build, nothing to build from): no retry. */
export class PermanentJobError extends Error {}

/** Validates a payload; throws `InvalidJobPayloadError` (a job that can never succeed). */
export function parseJobPayload<N extends JobName>(name: N, data: unknown): JobOf<N> {
  const schema = jobPayloadSchemas[name] as unknown as z.ZodType<JobOf<N>> | undefined;
  if (!schema) throw new InvalidJobPayloadError(`unknown job name ${JSON.stringify(name)}`);
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new InvalidJobPayloadError(
      `invalid ${name} payload: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

/** Redis pub/sub channel on which publish announces the new active build (serving follows it). */
export const BUILD_PUBLISHED_CHANNEL = 'nextbuy:build-published';

/**
 * Redis pub/sub channel on which ingestion announces a product upsert that changed rows: serving's
 * catalogue catches up at once. Only a cue (the changes are read from Postgres), like the build channel.
 */
export const CATALOG_CHANGED_CHANNEL = 'nextbuy:catalog-changed';
