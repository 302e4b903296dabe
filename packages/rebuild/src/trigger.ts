import { JobName } from '@nextbuy/contracts';
import type { BuildEntity, BuildRepository } from '@nextbuy/db';
import { resolveConfig } from '@nextbuy/engine';
import type { JobProducer } from '@nextbuy/queue';
import { jobIds } from './shape';

export interface RebuildTriggerSettings {
  shards: number;
  staleAfterMinutes: number;
}

/** The trigger settings of an environment (API, CLI and schedule read the same variables). */
export function rebuildTriggerSettings(env: {
  REBUILD_SHARDS: number;
  BUILD_STALE_MINUTES: number;
}): RebuildTriggerSettings {
  return { shards: env.REBUILD_SHARDS, staleAfterMinutes: env.BUILD_STALE_MINUTES };
}

export interface RebuildRequest {
  /** Reference time; absent means the newest event's timestamp (settled by the snapshot stage). */
  asOf?: Date;
  trigger: 'api' | 'cli' | 'schedule' | 'evaluate';
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
  const build = await builds.create({
    asOf: request.asOf ?? null,
    trigger: request.trigger,
    config: { shards: settings.shards, engine: resolveConfig() },
  });
  try {
    await producer.add(JobName.Snapshot, { buildId: build.id }, { jobId: jobIds.snapshot(build.id) });
  } catch (e) {
    await builds.fail(build.id, `could not enqueue the rebuild: ${(e as Error).message}`);
    throw e;
  }
  return build;
}
