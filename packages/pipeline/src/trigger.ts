import { resolveConfig } from '@nextbuy/engine';
import type { BuildEntity, BuildRepository } from '@nextbuy/db';
import { startRebuild, type JobProducer, type RebuildRequest } from '@nextbuy/queue';

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

/**
 * The one way to start a rebuild (API, CLI, schedule): the build records the engine configuration
 * and shard count it runs with, so every stage — and anyone reading the build later — sees the same.
 */
export function triggerRebuild(
  builds: BuildRepository,
  producer: JobProducer,
  settings: RebuildTriggerSettings,
  request: Omit<RebuildRequest, 'config'>,
): Promise<BuildEntity> {
  return startRebuild(builds, producer, {
    ...request,
    config: { shards: settings.shards, engine: resolveConfig() },
  });
}
