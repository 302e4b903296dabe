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

/** Reads one stored artifact of a build and decodes it. */
export type ArtifactReader = <T>(name: string, decode: (bytes: Uint8Array) => T) => Promise<T>;

/**
 * Decodes a build's stored artifacts (rank shards and the real-time refresh both rank from them).
 * A published build keeps its artifacts until it is garbage-collected. `read` lets a caller share
 * artifacts it has decoded already (the rebuild stages cache them per process).
 */
export async function loadBuildArtifacts(
  source: DataSource | BuildOutputRepository,
  build: BuildEntity,
  read: ArtifactReader = artifactReader(source, build.id),
): Promise<DecodedBuild> {
  const artifacts: Partial<Record<keyof FeatureArtifacts, unknown>> = {};
  const [snapshot, model] = await Promise.all([
    read(SNAPSHOT, decodeSnapshot),
    read(RANKER, decodeRanker),
    ...Object.entries(FEATURE_STAGES).map(async ([name, codec]) => {
      artifacts[codec.key] = await read(name, codec.decode);
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

/** Reads a build's artifacts straight from Postgres. */
export function artifactReader(source: DataSource | BuildOutputRepository, buildId: string): ArtifactReader {
  const outputs = source instanceof BuildOutputRepository ? source : new BuildOutputRepository(source);
  return async (name, decode) => decode(await outputs.loadArtifact(buildId, name));
}
