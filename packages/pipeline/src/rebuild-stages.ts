import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { BUILD_PUBLISHED_CHANNEL, PermanentJobError } from '@nextbuy/contracts';
import { BuildOutputRepository, BuildRepository, type BuildEntity } from '@nextbuy/db';
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
  encodeRanker,
  rankShard,
  resolveConfig,
  trainRanker,
  type EngineConfig,
  type FeatureArtifacts,
  type RankerModel,
  type Snapshot,
} from '@nextbuy/engine';
import { featuresFlow, rankingFlow, type JobProducer } from '@nextbuy/queue';
import { popularLists, productLists, toRankedItems } from './lists';
import { loadSnapshot, newestEventTime } from './snapshot-loader';
import { customersOfShard } from './shards';

const SNAPSHOT = 'snapshot';
const encodeSnapshot = (s: Snapshot) => encodeArtifact(SNAPSHOT, 1, s);
const decodeSnapshot = (b: Uint8Array) => decodeArtifact<Snapshot>(SNAPSHOT, 1, b);

interface StageCodec<K extends keyof FeatureArtifacts> {
  /** Where the decoded artifact goes in the engine's `FeatureArtifacts`. */
  key: K;
  build: (s: Snapshot, c: EngineConfig) => FeatureArtifacts[K];
  encode: (a: FeatureArtifacts[K]) => Uint8Array;
  decode: (b: Uint8Array) => FeatureArtifacts[K];
}
/** A stage with its artifact type checked where it is declared, erased for the table. */
interface FeatureStageRunner {
  key: keyof FeatureArtifacts;
  run: (s: Snapshot, c: EngineConfig) => Uint8Array;
  decode: (b: Uint8Array) => unknown;
}
const stage = <K extends keyof FeatureArtifacts>(codec: StageCodec<K>): FeatureStageRunner => ({
  key: codec.key,
  run: (s, c) => codec.encode(codec.build(s, c)),
  decode: codec.decode,
});

/**
 * Feature stages: each reads only the snapshot, so they run as parallel jobs; the rank stages
 * decode them back into the engine's `FeatureArtifacts`. The ranker is a stage of its own.
 */
export const FEATURE_STAGES = {
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
} satisfies Record<string, FeatureStageRunner>;
const RANKER = 'ranker';
export type FeatureStage = keyof typeof FEATURE_STAGES | typeof RANKER;
export const FEATURE_STAGE_NAMES: FeatureStage[] = [
  ...(Object.keys(FEATURE_STAGES) as FeatureStage[]),
  RANKER,
];

function runFeatureStage(name: string, s: Snapshot, c: EngineConfig): Uint8Array | undefined {
  if (name === RANKER) return encodeRanker(trainRanker(s, c));
  return (FEATURE_STAGES as Record<string, FeatureStageRunner | undefined>)[name]?.run(s, c);
}

/** Customers' lists are written in chunks: bounded statement size whatever the shard size. */
const WRITE_CHUNK = 500;

export interface RebuildSettings {
  /** Published builds kept for rollback (older ones are deleted after a publish). */
  keepBuilds: number;
}

/** What the rank stages need, decoded once per build and process. */
interface Decoded {
  buildId: string;
  snapshot: Snapshot;
  artifacts: FeatureArtifacts;
  model: RankerModel;
  config: EngineConfig;
}

/**
 * The rebuild, stage by stage. Every method reads the build by id, writes only rows keyed by that
 * build (so a retried job overwrites its own output), records its timing on the build, and
 * enqueues what follows.
 */
export class RebuildStages {
  private readonly builds: BuildRepository;
  private readonly outputs: BuildOutputRepository;
  private decoded: Promise<Decoded> | undefined;
  private decodedFor: string | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly producer: JobProducer,
    /** Announces a publish to the serving apps (Redis pub/sub). */
    private readonly notifier: Pick<Redis, 'publish'>,
    private readonly settings: RebuildSettings,
  ) {
    this.builds = new BuildRepository(db);
    this.outputs = new BuildOutputRepository(db);
  }

  async snapshot(buildId: string): Promise<void> {
    const build = await this.inFlight(buildId);
    if (!build) return;
    await this.timed(buildId, 'snapshot', async () => {
      const explicit = build.asOf;
      const asOf = explicit ?? (await newestEventTime(this.db));
      if (!asOf) throw new PermanentJobError('there are no events to build from: import some first');
      if (!(await this.builds.markRunning(buildId, asOf))) return;
      const s = await loadSnapshot(this.db, asOf, !explicit);
      await this.outputs.saveArtifact(buildId, SNAPSHOT, encodeSnapshot(s));
      await this.builds.addCounts(buildId, {
        events: s.events.ts.length,
        customers: s.customers.ids.length,
        products: s.products.ids.length,
      });
    });
    await this.producer.addFlow(featuresFlow(buildId, FEATURE_STAGE_NAMES));
  }

  async feature(buildId: string, stage: string): Promise<void> {
    if (!FEATURE_STAGE_NAMES.includes(stage as FeatureStage))
      throw new PermanentJobError(`unknown feature stage "${stage}"`);
    const build = await this.inFlight(buildId);
    if (!build) return;
    await this.timed(buildId, stage, async () => {
      const s = decodeSnapshot(await this.outputs.loadArtifact(buildId, SNAPSHOT));
      await this.outputs.saveArtifact(buildId, stage, runFeatureStage(stage, s, engineConfigOf(build))!);
    });
  }

  async planRanking(buildId: string): Promise<void> {
    const build = await this.inFlight(buildId);
    if (!build) return;
    const shards = Number(build.config.shards ?? 1);
    await this.builds.updateStage(buildId, 'rank', {
      status: 'running',
      progress: 0,
      started_at: new Date().toISOString(),
    });
    await this.producer.addFlow(rankingFlow(buildId, shards));
  }

  async rankShard(buildId: string, shard: number, shards: number): Promise<void> {
    const build = await this.inFlight(buildId);
    if (!build) return;
    const stage = `rank-${shard}`;
    await this.timed(buildId, stage, async () => {
      const { snapshot, artifacts, model, config } = await this.decode(build);
      const customers = customersOfShard(snapshot.customers.ids, shard, shards);
      for (let i = 0; i < customers.length; i += WRITE_CHUNK) {
        const chunk = customers.subarray(i, i + WRITE_CHUNK);
        const lists = rankShard(snapshot, artifacts, model, chunk, config).map((r) => ({
          customer_id: r.customerId,
          items: toRankedItems(r.items, snapshot),
        }));
        await this.outputs.writeRecommendations(buildId, lists);
        // Yield between chunks: the worker must renew its job lock while a large shard runs.
        await new Promise((r) => setImmediate(r));
      }
      await this.builds.addCounts(buildId, { [`customers_shard_${shard}`]: customers.length });
    });
  }

  async itemLists(buildId: string): Promise<void> {
    const build = await this.inFlight(buildId);
    if (!build) return;
    await this.timed(buildId, 'item-lists', async () => {
      const { snapshot, artifacts, config } = await this.decode(build);
      const lists = productLists(snapshot, artifacts, config.listLength);
      await this.outputs.writeItemLists(buildId, 'similar', lists.similar);
      await this.outputs.writeItemLists(buildId, 'bought_together', lists.boughtTogether);
      await this.outputs.writeItemLists(
        buildId,
        'popular',
        popularLists(snapshot, artifacts.itemStats, config.listLength),
      );
    });
  }

  /** Flips the active build, tells the serving apps, and collects old builds. */
  async publish(buildId: string): Promise<void> {
    const build = await this.inFlight(buildId);
    if (!build) return;
    const lists = await this.outputs.countRecommendations(buildId);
    await this.builds.addCounts(buildId, { recommendations: lists });
    await this.builds.updateStage(buildId, 'rank', {
      status: 'done',
      progress: 1,
      finished_at: new Date().toISOString(),
    });
    await this.builds.publish(buildId);
    await this.notifier.publish(BUILD_PUBLISHED_CHANNEL, buildId);
    this.decoded = undefined;
    this.decodedFor = undefined;
    await this.builds.collectGarbage(this.settings.keepBuilds);
  }

  /** Marks the build failed (the processor calls this when a job has no attempts left). */
  async fail(buildId: string, stage: string, error: Error): Promise<void> {
    await this.builds.updateStage(buildId, stage, { status: 'failed', detail: error.message });
    await this.builds.fail(buildId, `${stage}: ${error.message}`);
  }

  /** The build, or null when it has failed or finished meanwhile (a late job then does nothing). */
  private async inFlight(buildId: string): Promise<BuildEntity | null> {
    const build = await this.builds.get(buildId);
    if (!build) throw new PermanentJobError(`build ${buildId} does not exist`);
    return build.status === 'queued' || build.status === 'running' ? build : null;
  }

  private async timed(buildId: string, stage: string, fn: () => Promise<void>): Promise<void> {
    const started = new Date();
    await this.builds.updateStage(buildId, stage, {
      status: 'running',
      progress: 0,
      started_at: started.toISOString(),
    });
    await fn();
    const finished = new Date();
    await this.builds.updateStage(buildId, stage, {
      status: 'done',
      progress: 1,
      finished_at: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
    });
  }

  private decode(build: BuildEntity): Promise<Decoded> {
    if (this.decodedFor !== build.id || !this.decoded) {
      this.decodedFor = build.id;
      this.decoded = this.load(build);
      this.decoded.catch(() => {
        this.decoded = undefined;
        this.decodedFor = undefined;
      });
    }
    return this.decoded;
  }

  private async load(build: BuildEntity): Promise<Decoded> {
    const get = (name: string) => this.outputs.loadArtifact(build.id, name);
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
}

/** The engine configuration a build was started with (recorded on the build by the trigger). */
export function engineConfigOf(build: BuildEntity): EngineConfig {
  return resolveConfig(build.config.engine ?? {});
}
