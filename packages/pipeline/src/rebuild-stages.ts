import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { BUILD_PUBLISHED_CHANNEL, PermanentJobError } from '@nextbuy/contracts';
import {
  BuildOutputRepository,
  BuildRepository,
  type BuildEntity,
  type CustomerListToWrite,
} from '@nextbuy/db';
import {
  buildAttributeGraph,
  buildItemGraphs,
  buildTrainingWindow,
  decodeTrainingSet,
  encodeRanker,
  encodeTrainingSet,
  mergeTrainingSets,
  rankEach,
  sliceSnapshot,
  trainingCut,
  trainRankerModel,
  type AttributeGraph,
  type EngineConfig,
  type FeatureArtifacts,
  type ItemGraphs,
  type ItemStats,
  type Snapshot,
} from '@nextbuy/engine';
import { enqueueCustomerRefreshes, featuresFlow, rankingFlow, type JobProducer } from '@nextbuy/queue';
import {
  artifactReader,
  loadBuildArtifacts,
  type ArtifactReader,
  type DecodedBuild,
} from './build-artifacts';
import { popularLists, productLists, toRankedItems } from './lists';
import { customersWithEventsAfter, loadSnapshot, newestEventId, newestEventTime } from './snapshot-loader';
import { customersOfShard } from './shards';
import {
  decodeSnapshot,
  encodeSnapshot,
  engineConfigOf,
  FEATURE_STAGES,
  featureFlowStages,
  ITEM_LISTS,
  featureStageNames,
  RANKER,
  rankerWindowOf,
  rankerWindowStage,
  SNAPSHOT,
} from './stage-artifacts';

/** Customers' lists are written in chunks: bounded statement size whatever the shard size. */
const WRITE_CHUNK = 500;

export interface RebuildSettings {
  /** Published builds kept for rollback (older ones are deleted after a publish). */
  keepBuilds: number;
  /**
   * After a publish, customers with events the build did not read get a real-time refresh (their
   * refreshes meanwhile went into the previous build) — unless more than this many, where the next
   * rebuild is the better tool (REALTIME_IMPORT_MAX_CUSTOMERS, the same bound as an import's).
   */
  catchUpMaxCustomers: number;
}

/**
 * The rebuild, stage by stage. Every method reads the build by id, writes only rows keyed by that
 * build (so a retried job overwrites its own output), records its timing on the build, and
 * enqueues what follows.
 */
export class RebuildStages {
  private readonly builds: BuildRepository;
  private readonly outputs: BuildOutputRepository;
  /** Decoded inputs shared by the stages of one build that run in this process (see `cached`). */
  private cache: { buildId: string; values: Map<string, Promise<unknown>> } | undefined;

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
      // Every event stored later than this is caught up by refreshes after the publish (ids are
      // taken before the snapshot reads, so none falls between the two).
      const lastEventId = await newestEventId(this.db);
      const s = await loadSnapshot(this.db, asOf, !explicit);
      await this.outputs.saveArtifact(buildId, SNAPSHOT, encodeSnapshot(s));
      // This process will likely run a feature stage next: it need not decode what it just built.
      void this.cached(buildId, SNAPSHOT, () => Promise.resolve(s));
      await this.builds.addCounts(buildId, {
        last_event_id: lastEventId,
        events: s.events.ts.length,
        customers: s.customers.ids.length,
        products: s.products.ids.length,
      });
    });
    await this.producer.addFlow(featuresFlow(buildId, featureFlowStages(engineConfigOf(build))));
  }

  /**
   * One feature-phase stage: a feature artifact at as-of, one training window of the ranker, or the
   * ranker's fit over the stored windows.
   */
  async feature(buildId: string, stage: string): Promise<void> {
    const build = await this.inFlight(buildId);
    if (!build) return;
    const config = engineConfigOf(build);
    if (!featureStageNames(config).includes(stage))
      throw new PermanentJobError(`unknown feature stage "${stage}"`);
    await this.timed(buildId, stage, async () => {
      await this.outputs.saveArtifact(buildId, stage, await this.runFeatureStage(build, stage));
    });
  }

  private async runFeatureStage(build: BuildEntity, stage: string): Promise<Uint8Array> {
    const config = engineConfigOf(build);
    if (stage === RANKER) {
      const windows = await Promise.all(
        Array.from({ length: config.ranker.trainingWindows }, (_, i) =>
          this.outputs.loadArtifact(build.id, rankerWindowStage(i + 1)).then(decodeTrainingSet),
        ),
      );
      return encodeRanker(trainRankerModel(mergeTrainingSets(windows), config.ranker));
    }
    const s = await this.snapshotOf(build.id);
    const window = rankerWindowOf(stage);
    if (window !== null) {
      const reuse: Partial<FeatureArtifacts> = { attributes: await this.attributesOf(build.id, s, config) };
      if (config.ranker.sharedTrainingGraphs) {
        // One set of item graphs for every window, as of the oldest cut (as `trainRanker` does).
        const oldest = trainingCut(s, config, config.ranker.trainingWindows);
        reuse.graphs = await this.cached(build.id, 'training-graphs', () =>
          Promise.resolve(buildItemGraphs(sliceSnapshot(s, oldest), config)),
        );
      }
      return encodeTrainingSet(buildTrainingWindow(s, config, window, reuse));
    }
    const runner = FEATURE_STAGES[stage]!;
    const artifact =
      runner.key === 'attributes' ? await this.attributesOf(build.id, s, config) : runner.build(s, config);
    return runner.encode(artifact);
  }

  /** The build's snapshot, decoded once per process. */
  private snapshotOf(buildId: string): Promise<Snapshot> {
    return this.artifactsOf(buildId)(SNAPSHOT, decodeSnapshot);
  }

  /** Stored artifacts of the build, each read and decoded once per process. */
  private artifactsOf(buildId: string): ArtifactReader {
    const read = artifactReader(this.outputs, buildId);
    return (name, decode) => this.cached(buildId, name, () => read(name, decode));
  }

  /** The attribute graph (catalogue only, the same for every training window): built once per process. */
  private attributesOf(buildId: string, s: Snapshot, config: EngineConfig): Promise<AttributeGraph> {
    return this.cached(buildId, 'attributes', () => Promise.resolve(buildAttributeGraph(s, config)));
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
        // Each list serialised as soon as it is ranked: its objects die young (see rankEach).
        const lists: CustomerListToWrite[] = [];
        for (const r of rankEach(snapshot, artifacts, model, chunk, config))
          lists.push({ customer_id: r.customerId, items: JSON.stringify(toRankedItems(r.items, snapshot)) });
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
    await this.timed(buildId, ITEM_LISTS, async () => {
      // Runs during the feature phase: only its inputs exist yet (not the ranker, not the rest).
      const config = engineConfigOf(build);
      const snapshot = await this.snapshotOf(buildId);
      // Through the process's cache: the rank shards this process runs next read them again.
      const read = this.artifactsOf(buildId);
      const get = <T>(stage: string) => read(stage, (b) => FEATURE_STAGES[stage]!.decode(b) as T);
      const [itemStats, graphs, attributes] = await Promise.all([
        get<ItemStats>('item-stats'),
        get<ItemGraphs>('item-graphs'),
        get<AttributeGraph>('attribute-graph'),
      ]);
      const artifacts = { itemStats, graphs, attributes };
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
    this.cache = undefined;
    await this.catchUp(build);
    await this.builds.collectGarbage(this.settings.keepBuilds);
  }

  /**
   * Customers whose events arrived after the snapshot read the events table: the new build does not
   * know those events, and their real-time refreshes went into the previous build, so they are
   * refreshed again against the new one. A queue outage costs freshness only, never the publish.
   */
  private async catchUp(build: BuildEntity): Promise<void> {
    const after = Number(build.counts.last_event_id ?? NaN);
    if (!Number.isFinite(after)) return;
    const max = this.settings.catchUpMaxCustomers;
    const customers = await customersWithEventsAfter(this.db, after, max + 1);
    if (customers.length === 0 || customers.length > max) return;
    await enqueueCustomerRefreshes(this.producer, customers, 0).catch(() => undefined);
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

  /** What the rank stages need, decoded once per build and process. */
  private decode(build: BuildEntity): Promise<DecodedBuild> {
    return this.cached(build.id, 'decoded', () =>
      loadBuildArtifacts(this.outputs, build, this.artifactsOf(build.id)),
    );
  }

  /**
   * Memoises `load` per build and process: stages of one build share decoded inputs, a new build
   * drops the old ones (one build in flight at a time), and a failed load is tried again next time.
   */
  private cached<T>(buildId: string, key: string, load: () => Promise<T>): Promise<T> {
    if (this.cache?.buildId !== buildId) this.cache = { buildId, values: new Map() };
    const values = this.cache.values;
    let value = values.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      values.set(key, value);
      value.catch(() => values.delete(key));
    }
    return value;
  }
}
