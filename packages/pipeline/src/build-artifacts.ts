import { BuildOutputRepository, type BuildEntity } from '@nextbuy/db';
import {
  decodeRanker,
  type EngineConfig,
  type FeatureArtifacts,
  type RankerModel,
  type Snapshot,
} from '@nextbuy/engine';
import type { DataSource } from 'typeorm';
import { decodeSnapshot, engineConfigOf, FEATURE_STAGES, RANKER, SNAPSHOT } from './stage-artifacts';

/** What ranking needs of a build: its snapshot, decoded feature artifacts, ranker and configuration. */
export interface DecodedBuild {
  buildId: string;
  snapshot: Snapshot;
  artifacts: FeatureArtifacts;
  model: RankerModel;
  config: EngineConfig;
}

/**
 * Decodes a build's stored artifacts (rank shards and the real-time refresh both rank from them).
 * A published build keeps its artifacts until it is garbage-collected.
 */
export async function loadBuildArtifacts(
  source: DataSource | BuildOutputRepository,
  build: BuildEntity,
): Promise<DecodedBuild> {
  const outputs = source instanceof BuildOutputRepository ? source : new BuildOutputRepository(source);
  const get = (name: string) => outputs.loadArtifact(build.id, name);
  const artifacts: Partial<Record<keyof FeatureArtifacts, unknown>> = {};
  const [snapshot, model] = await Promise.all([
    get(SNAPSHOT).then(decodeSnapshot),
    get(RANKER).then(decodeRanker),
    ...Object.entries(FEATURE_STAGES).map(async ([name, codec]) => {
      artifacts[codec.key] = codec.decode(await get(name));
    }),
  ]);
  return {
    buildId: build.id,
    snapshot,
    artifacts: artifacts as FeatureArtifacts,
    model,
    config: engineConfigOf(build),
  };
}
