import { resolveConfig } from '@nextbuy/engine';
import type { BuildEntity, BuildRepository } from '@nextbuy/db';
import { startRebuild, type JobProducer, type RebuildRequest } from '@nextbuy/queue';

export interface RebuildTriggerSettings {
  shards: number;
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
