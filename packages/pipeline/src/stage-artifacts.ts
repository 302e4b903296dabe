import type { BuildEntity } from '@nextbuy/db';
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
  encodeArtifact,
  encodeAttributeGraph,
  encodeCustomerAffinities,
  encodeCustomerNeighbours,
  encodeItemGraphs,
  encodeItemStats,
  resolveConfig,
  type EngineConfig,
  type FeatureArtifacts,
  type Snapshot,
} from '@nextbuy/engine';
import type { FeatureStageNode } from '@nextbuy/queue';

/*
 * What a build stores in `build_artifacts`, stage by stage: the names are the stage names recorded on
 * the build, and each artifact's codec is declared once, here.
 */

export const SNAPSHOT = 'snapshot';
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
export interface FeatureStageRunner {
  key: keyof FeatureArtifacts;
  build: (s: Snapshot, c: EngineConfig) => unknown;
  encode: (a: unknown) => Uint8Array;
  decode: (b: Uint8Array) => unknown;
}
const stage = <K extends keyof FeatureArtifacts>(codec: StageCodec<K>): FeatureStageRunner =>
  codec as unknown as FeatureStageRunner;

/**
 * Feature stages: each reads only the snapshot, so they run as parallel jobs; the rank stages
 * decode them back into the engine's `FeatureArtifacts`.
 */
export const FEATURE_STAGES: Record<string, FeatureStageRunner> = {
  'item-stats': stage({
    key: 'itemStats',
    build: buildItemStats,
    encode: encodeItemStats,
    decode: decodeItemStats,
  }),
  'item-graphs': stage({
    key: 'graphs',
    build: buildItemGraphs,
    encode: encodeItemGraphs,
    decode: decodeItemGraphs,
  }),
  'attribute-graph': stage({
    key: 'attributes',
    build: buildAttributeGraph,
    encode: encodeAttributeGraph,
    decode: decodeAttributeGraph,
  }),
  'customer-affinities': stage({
    key: 'affinities',
    build: buildCustomerAffinities,
    encode: encodeCustomerAffinities,
    decode: decodeCustomerAffinities,
  }),
  'customer-neighbours': stage({
    key: 'neighbours',
    build: buildCustomerNeighbours,
    encode: encodeCustomerNeighbours,
    decode: decodeCustomerNeighbours,
  }),
};

/** The ranker's fit: runs once its training windows have finished. */
export const RANKER = 'ranker';
const WINDOW_STAGE = /^ranker-window-(\d+)$/;
/** One training window of the ranker (features as of its cut, labels after it): a stage of its own. */
export const rankerWindowStage = (window: number) => `ranker-window-${window}`;
/** The window number of a `ranker-window-N` stage, or null for any other stage. */
export function rankerWindowOf(stage: string): number | null {
  const m = WINDOW_STAGE.exec(stage);
  return m ? Number(m[1]) : null;
}

const windowsOf = (config: EngineConfig) =>
  Array.from({ length: config.ranker.trainingWindows }, (_, i) => rankerWindowStage(i + 1));

/** Every feature-phase stage of a build with this configuration. */
export function featureStageNames(config: EngineConfig): string[] {
  return [...windowsOf(config), RANKER, ...Object.keys(FEATURE_STAGES)];
}

/** The per-product lists (similar, bought together, popular): they read only these feature stages. */
export const ITEM_LISTS = 'item-lists';
export const ITEM_LIST_INPUTS = ['item-stats', 'item-graphs', 'attribute-graph'] as const;

/**
 * The feature phase as a flow: the ranker (its windows, then the fit) is the critical path, so its
 * jobs go first (priority 1); the feature stages at as-of fill the other worker (priority 2), and
 * the item lists run on a candidates worker as soon as their inputs exist — the candidates workers
 * would idle until ranking otherwise. Window 1 (the most data, the longest) is listed first.
 */
export function featureFlowStages(config: EngineConfig): FeatureStageNode[] {
  const inputs: readonly string[] = ITEM_LIST_INPUTS;
  return [
    { stage: RANKER, priority: 1, needs: windowsOf(config).map((stage) => ({ stage, priority: 1 })) },
    { stage: ITEM_LISTS, job: 'item-lists', needs: inputs.map((stage) => ({ stage, priority: 2 })) },
    ...Object.keys(FEATURE_STAGES)
      .filter((stage) => !inputs.includes(stage))
      .map((stage) => ({ stage, priority: 2 })),
  ];
}

/** The engine configuration a build was started with (recorded on the build by the trigger). */
export function engineConfigOf(build: BuildEntity): EngineConfig {
  return resolveConfig(build.config.engine ?? {});
}
