import { JobName } from '@nextbuy/contracts';
import {
  BuildInFlightError,
  type BuildEntity,
  type BuildKind,
  type BuildRepository,
  type ModelEntity,
  type ModelRepository,
} from '@nextbuy/db';
import { resolveConfig, taskEngineOverrides } from '@nextbuy/engine';
import type { JobProducer } from '@nextbuy/queue';
import { engineConfigOf } from './artifacts';
import { buildJobs, jobIds } from './shape';
import type { BuildTask } from './tasks';

/**
 * A build in flight younger than this is never judged lost: its trigger may still be enqueueing its
 * first job. Any older build in flight always has a job waiting, active or delayed (each stage
 * enqueues what follows before it completes).
 */
export const LOST_BUILD_GRACE_MS = 30_000;

export interface RebuildTriggerSettings {
  /** Rank shards at least (REBUILD_SHARDS). */
  shards: number;
  /** Customers per rank shard at most (CUSTOMERS_PER_SHARD); absent: always `shards`. */
  customersPerShard?: number;
  staleAfterMinutes: number;
}

/** The trigger settings of an environment (API, CLI and schedule read the same variables). */
export function rebuildTriggerSettings(env: {
  REBUILD_SHARDS: number;
  CUSTOMERS_PER_SHARD: number;
  BUILD_STALE_MINUTES: number;
}): RebuildTriggerSettings {
  return {
    shards: env.REBUILD_SHARDS,
    customersPerShard: env.CUSTOMERS_PER_SHARD,
    staleAfterMinutes: env.BUILD_STALE_MINUTES,
  };
}

/** Most rank shards a build runs with (REBUILD_SHARDS' own bound). */
export const MAX_SHARDS = 1024;

/**
 * A build's rank shards: REBUILD_SHARDS, or more when the store has more customers than that many
 * shards of `customersPerShard` hold, so existing configurations keep their count on small stores.
 */
export function shardCount(minimum: number, customers: number, customersPerShard?: number): number {
  const needed = customersPerShard ? Math.ceil(customers / customersPerShard) : 0;
  return Math.min(MAX_SHARDS, Math.max(minimum, needed));
}

export interface RebuildRequest {
  /** Reference time; absent means the newest event's timestamp (settled by the snapshot stage). */
  asOf?: Date;
  trigger: 'api' | 'cli' | 'schedule' | 'evaluate';
  /** The prediction task (`taskNamed`); absent: the default task, with the engine's defaults. */
  task?: BuildTask;
}

/**
 * The one way to start a rebuild (API, CLI, schedule): one `builds` row recording the engine
 * configuration and shard count it runs with (so every stage, and anyone reading the build later,
 * sees the same), then its first job. The database refuses a second build in flight
 * (`BuildInFlightError`); if Redis refuses the job, the build is marked failed at once so it never
 * blocks the next trigger.
 */
export async function triggerRebuild(
  builds: BuildRepository,
  producer: JobProducer,
  settings: RebuildTriggerSettings,
  request: RebuildRequest,
): Promise<BuildEntity> {
  return (await startBuild(builds, producer, settings, request, 'rebuild')).build;
}

/**
 * The one way to train a model (API, CLI, TRAIN_SCHEDULE): a build of kind `training` (snapshot →
 * training windows → ranker → gate) and the `models` row it fills. It shares the one-build-in-
 * flight rule with rebuilds (two CPU-bound builds would only slow each other down), so a scheduled
 * training never runs twice at once: a tick while any build is in flight gets BuildInFlightError.
 */
export async function triggerTraining(
  builds: BuildRepository,
  models: ModelRepository,
  producer: JobProducer,
  settings: RebuildTriggerSettings,
  request: RebuildRequest,
): Promise<{ build: BuildEntity; model: ModelEntity }> {
  const { build, model } = await startBuild(builds, producer, settings, request, 'training', models);
  return { build, model: model! };
}

async function startBuild(
  builds: BuildRepository,
  producer: JobProducer,
  settings: RebuildTriggerSettings,
  request: RebuildRequest,
  kind: BuildKind,
  models?: ModelRepository,
): Promise<{ build: BuildEntity; model?: ModelEntity }> {
  try {
    return await createAndEnqueue(builds, producer, settings, request, kind, models);
  } catch (e) {
    if (!(e instanceof BuildInFlightError)) throw e;
    const [inFlight] = await builds.inFlight();
    if (!inFlight || !(await failIfLost(builds, producer, inFlight))) throw e;
    return createAndEnqueue(builds, producer, settings, request, kind, models);
  }
}

async function createAndEnqueue(
  builds: BuildRepository,
  producer: JobProducer,
  settings: RebuildTriggerSettings,
  request: RebuildRequest,
  kind: BuildKind,
  models?: ModelRepository,
): Promise<{ build: BuildEntity; model?: ModelEntity }> {
  // The task's horizon, K, target and audience become the build's engine settings (docs/tasks.md).
  const engine = resolveConfig(request.task ? taskEngineOverrides(request.task.definition) : {});
  // Counted when the build is asked for (the stage list follows from it): the customers table, so
  // a customer known only from events does not raise the count (it still lands in a shard).
  const shards = settings.customersPerShard
    ? shardCount(settings.shards, await builds.knownCustomers(), settings.customersPerShard)
    : settings.shards;
  const build = await builds.create(
    {
      asOf: request.asOf ?? null,
      trigger: request.trigger,
      config: { shards, engine },
      kind,
      task: request.task?.name,
    },
    settings.staleAfterMinutes,
  );
  try {
    const model = models
      ? await models.createTraining(build.id, build.asOf, { ...engine }, build.task)
      : undefined;
    await producer.add(JobName.Snapshot, { buildId: build.id }, { jobId: jobIds.snapshot(build.id) });
    return { build, model };
  } catch (e) {
    await builds.fail(build.id, `could not enqueue the ${kind}: ${(e as Error).message}`);
    throw e;
  }
}

/**
 * Fails a build in flight none of whose jobs is left to run (Redis lost them, e.g. restarted
 * without persistence): nothing would ever finish it, and it would refuse every rebuild until
 * BUILD_STALE_MINUTES. True when it was failed.
 */
async function failIfLost(
  builds: BuildRepository,
  producer: JobProducer,
  build: BuildEntity,
): Promise<boolean> {
  if (Date.now() - build.createdAt.getTime() < LOST_BUILD_GRACE_MS) return false;
  const jobs = buildJobs(build.id, engineConfigOf(build), Number(build.config.shards ?? 1));
  for (const { queue, jobId } of jobs) {
    const state = await producer.queue(queue).getJobState(jobId);
    if (state !== 'unknown' && state !== 'completed' && state !== 'failed') return false;
  }
  await builds.fail(
    build.id,
    'abandoned: none of its jobs is left in the queues (e.g. Redis restarted without persistence)',
  );
  return true;
}
