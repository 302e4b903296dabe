import { BuildOutputRepository, type BuildEntity } from '@nextbuy/db';
import {
  buildAttributeGraph,
  buildCustomerAffinities,
  buildCustomerNeighbours,
  buildItemGraphs,
  buildItemStats,
  decodeArtifact,
  decodeAttributeGraph,
  decodeCustomerAffinities,
  decodeCustomerNeighbours,
  decodeItemGraphs,
  decodeItemStats,
  decodeRanker,
  encodeArtifact,
  encodeAttributeGraph,
  encodeCustomerAffinities,
  encodeCustomerNeighbours,
  encodeItemGraphs,
  encodeItemStats,
  resolveConfig,
  type EngineConfig,
  type FeatureArtifacts,
  type RankerModel,
  type Snapshot,
} from '@nextbuy/engine';
import { RANKER, SNAPSHOT, type FeatureStage } from './shape';

/*
 * The artifact store: what a build keeps in `build_artifacts`, named after the stage that made it,
 * each artifact's codec declared once, here.
 */

export const encodeSnapshot = (s: Snapshot) => encodeArtifact(SNAPSHOT, 1, s);
export const decodeSnapshot = (b: Uint8Array) => decodeArtifact<Snapshot>(SNAPSHOT, 1, b);

interface StageCodec<K extends keyof FeatureArtifacts> {
  /** Where the decoded artifact goes in the engine's `FeatureArtifacts`. */
  key: K;
  build: (s: Snapshot, c: EngineConfig) => FeatureArtifacts[K];
  encode: (a: FeatureArtifacts[K]) => Uint8Array;
  decode: (b: Uint8Array) => FeatureArtifacts[K];
}
/** A stage with its artifact type checked where it is declared, erased for the table. */
export interface FeatureStageCodec {
  key: keyof FeatureArtifacts;
  build: (s: Snapshot, c: EngineConfig) => unknown;
  encode: (a: unknown) => Uint8Array;
  decode: (b: Uint8Array) => unknown;
}
const codec = <K extends keyof FeatureArtifacts>(c: StageCodec<K>): FeatureStageCodec =>
  c as unknown as FeatureStageCodec;

/** How each feature stage builds its artifact from the snapshot, and how it is stored. */
export const FEATURE_CODECS: Record<FeatureStage, FeatureStageCodec> = {
  'item-stats': codec({
    key: 'itemStats',
    build: buildItemStats,
    encode: encodeItemStats,
    decode: decodeItemStats,
  }),
  'item-graphs': codec({
    key: 'graphs',
    build: buildItemGraphs,
    encode: encodeItemGraphs,
    decode: decodeItemGraphs,
  }),
  'attribute-graph': codec({
    key: 'attributes',
    build: buildAttributeGraph,
    encode: encodeAttributeGraph,
    decode: decodeAttributeGraph,
  }),
  'customer-affinities': codec({
    key: 'affinities',
    build: buildCustomerAffinities,
    encode: encodeCustomerAffinities,
    decode: decodeCustomerAffinities,
  }),
  'customer-neighbours': codec({
    key: 'neighbours',
    build: buildCustomerNeighbours,
    encode: encodeCustomerNeighbours,
    decode: decodeCustomerNeighbours,
  }),
};

/** The engine configuration a build was started with (recorded on the build by the trigger). */
export function engineConfigOf(build: BuildEntity): EngineConfig {
  return resolveConfig(build.config.engine ?? {});
}

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

/** Reads a build's artifacts straight from Postgres. */
export function artifactReader(outputs: BuildOutputRepository, buildId: string): ArtifactReader {
  return async (name, decode) => decode(await outputs.loadArtifact(buildId, name));
}

/**
 * Decodes a build's stored artifacts (rank shards and the real-time refresh both rank from them).
 * A published build keeps its artifacts until it is garbage-collected. `read` lets a caller share
 * artifacts it has decoded already (the stages cache them per process).
 */
export async function loadBuildArtifacts(
  outputs: BuildOutputRepository,
  build: BuildEntity,
  read: ArtifactReader = artifactReader(outputs, build.id),
): Promise<DecodedBuild> {
  const artifacts: Partial<Record<keyof FeatureArtifacts, unknown>> = {};
  const [snapshot, model] = await Promise.all([
    read(SNAPSHOT, decodeSnapshot),
    read(RANKER, decodeRanker),
    ...Object.entries(FEATURE_CODECS).map(async ([name, c]) => {
      artifacts[c.key] = await read(name, c.decode);
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
