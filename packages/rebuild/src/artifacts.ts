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
  allocateLog,
  filterByCustomers,
  resolveConfig,
  type InteractionLog,
  type EngineConfig,
  type FeatureArtifacts,
  type RankerModel,
  type Snapshot,
} from '@nextbuy/engine';
import { RANKER, SNAPSHOT, type FeatureStage } from './shape';
import { customersOfShard } from './shards';

/*
 * The artifact store: what a build keeps in `build_artifacts`, named after the stage that made it,
 * each artifact's codec declared once, here.
 */

export const encodeSnapshot = (s: Snapshot) => encodeArtifact(SNAPSHOT, 1, s);
export const decodeSnapshot = (b: Uint8Array) => decodeArtifact<Snapshot>(SNAPSHOT, 1, b);

/*
 * The snapshot's parts for ranking, stored beside the whole (which the feature stages read): what
 * every rank shard needs (the dictionaries: catalogue, customers and their segments, the reference
 * time; no events) and, per shard, the event histories of that shard's customers. A rank shard
 * decodes the first plus its own part, so its memory follows the shard, not the store; the
 * real-time refresh reads the first only (it reads a customer's history from Postgres).
 */
export const SNAPSHOT_ITEMS = 'snapshot-items';
/** The artifact holding the histories of shard `shard`'s customers. */
export const snapshotShardArtifact = (shard: number) => `snapshot-shard-${shard}`;

/** The snapshot without its events: the part every rank shard and the real-time refresh read. */
export function snapshotItems(s: Snapshot): Snapshot {
  // Order ids are only ever compared as indices: their names stay with the whole snapshot.
  return { ...s, events: allocateLog(0), orders: [] };
}
export const encodeSnapshotItems = (s: Snapshot) => encodeArtifact(SNAPSHOT_ITEMS, 1, snapshotItems(s));
export const decodeSnapshotItems = (b: Uint8Array) => decodeArtifact<Snapshot>(SNAPSHOT_ITEMS, 1, b);

/** Encodes each shard's part (its customers' events, in time order), one at a time. */
export function* encodeSnapshotShards(
  s: Snapshot,
  shards: number,
): Generator<[name: string, bytes: Uint8Array]> {
  for (let shard = 0; shard < shards; shard++) {
    const part = filterByCustomers(s, customersOfShard(s.customers.ids, shard, shards)).events;
    yield [
      snapshotShardArtifact(shard),
      encodeArtifact('snapshot-shard', 1, { shard, shards, events: part }),
    ];
  }
}
export const decodeSnapshotShard = (b: Uint8Array) =>
  decodeArtifact<{ shard: number; shards: number; events: InteractionLog }>('snapshot-shard', 1, b);

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

/**
 * What ranking needs of a build: its snapshot (dictionaries, plus the events of the shard's
 * customers when loaded for a shard), decoded feature artifacts, ranker and configuration.
 */
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
 * Decodes what every rank shard and the real-time refresh rank from: the snapshot's item-level part
 * (no events), the feature artifacts and the ranker. A published build keeps its artifacts until
 * it is garbage-collected. `read` lets a caller share artifacts it has decoded already (the stages
 * cache them per process).
 */
export async function loadBuildArtifacts(
  outputs: BuildOutputRepository,
  build: BuildEntity,
  read: ArtifactReader = artifactReader(outputs, build.id),
): Promise<DecodedBuild> {
  const artifacts: Partial<Record<keyof FeatureArtifacts, unknown>> = {};
  const [snapshot, model] = await Promise.all([
    // A build stored before the snapshot was split has the whole snapshot only.
    read(SNAPSHOT_ITEMS, decodeSnapshotItems).catch((e: Error) => {
      if (!/has no artifact/.test(e.message)) throw e;
      return read(SNAPSHOT, (b) => snapshotItems(decodeSnapshot(b)));
    }),
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

/**
 * The build as one rank shard ranks it: `loadBuildArtifacts`' shared part with the events of this
 * shard's customers only. `read` should not cache: a process running several shards then holds
 * one shard's histories at a time.
 */
export async function withShardHistories(
  read: ArtifactReader,
  decoded: DecodedBuild,
  shard: number,
  shards: number,
): Promise<DecodedBuild> {
  const name = snapshotShardArtifact(shard);
  const part = await read(name, decodeSnapshotShard);
  if (part.shard !== shard || part.shards !== shards)
    throw new Error(
      `artifact ${name} holds shard ${part.shard} of ${part.shards}, not ${shard} of ${shards}`,
    );
  return { ...decoded, snapshot: { ...decoded.snapshot, events: part.events } };
}
