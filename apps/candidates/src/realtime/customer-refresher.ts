import type Redis from 'ioredis';
import {
  type BuildEntity,
  type BuildOutputRepository,
  type BuildRepository,
  type CatalogRepository,
  type EventRepository,
} from '@nextbuy/db';
import {
  DEFAULT_REALTIME_CONFIG,
  encodeList,
  ListDictionary,
  RealtimeEngine,
  type LiveEventRow,
  type ProductRow,
  type RealtimeConfig,
} from '@nextbuy/engine';
import { loadBuildArtifacts, toProductRows } from '@nextbuy/rebuild';
import {
  customerListCacheKey,
  customerTopCacheKey,
  encodeListCache,
  encodeTopAnswer,
  listCacheToken,
} from '@nextbuy/server';
import { segmentOf, snapshotNames, toRankedItems, toStoredItems } from '../rebuild/ranked-items';

export interface RefreshSettings {
  /** Serving's list cache: key prefix and lifetime of a written list. */
  cacheKeyPrefix: string;
  cacheTtlSeconds: number;
  /** Most customers refreshed together (one read, one write, one cache round trip for all). */
  maxBatch?: number;
  realtime?: RealtimeConfig;
  /** Called after each batch with its size and the seconds of each step (for metrics). */
  onBatch?: (batch: RefreshBatchStats) => void;
}

export type RefreshStep = 'read' | 'load' | 'catalog' | 'rank' | 'write';

export interface RefreshBatchStats {
  customers: number;
  seconds: Partial<Record<RefreshStep, number>>;
}

/** Customers per batch when the caller sets none: a few ms of ranking each, tens of ms in all. */
export const DEFAULT_REFRESH_BATCH = 32;

/**
 * Batches running at once: while one waits on Postgres and Redis (about half of a batch's time),
 * the other ranks, so throughput nearly doubles; more would only queue on the CPU.
 */
export const REFRESH_BATCHES_IN_FLIGHT = 2;

export interface RefreshOutcome {
  /** The build whose list was rewritten; null when no build is published yet (nothing to refresh). */
  buildId: string | null;
  items: number;
  /** Events after the build's reference time that the list now reflects. */
  liveEvents: number;
}

interface Loaded {
  buildId: string;
  engine: RealtimeEngine;
  /**
   * The build's product dictionary (its snapshot's ids, as the snapshot stage stored them): the
   * lists written here are read with it. Products added since are stored by id.
   */
  dictionary: ListDictionary;
  /** Signature of the catalogue changes applied to the engine (count, newest and sum of edit times). */
  catalog: string;
}

interface Waiting {
  customerId: string;
  resolve: (outcome: RefreshOutcome) => void;
  reject: (e: unknown) => void;
}

/**
 * Re-ranks customers' lists against the active build, from their whole event history as stored
 * now (so late-arriving events count too), and writes them where serving reads them: the build's
 * `recommendations` rows and the cache keys (together). The active build's decoded artifacts stay in memory
 * and are reloaded when another build is published. A refresh racing a publish writes into the
 * build it started with; serving has moved to the new build's lists, so that write is harmless.
 *
 * Batching: one batch runs at a time; refreshes asked meanwhile (the worker runs several jobs at
 * once) wait and go together in the next one. Idle, a refresh runs at once; under load the round
 * trips (active build, events, catalogue check, write, cache) are paid once per batch, not per
 * customer, so throughput grows with the load instead of the queue.
 */
export class CustomerRefresher {
  private loaded: Promise<Loaded> | undefined;
  private loadedFor: string | undefined;
  private waiting: Waiting[] = [];
  private inFlight = 0;
  /** The active build as last read: its catalogue check runs beside the read of the active build. */
  private lastBuild: BuildEntity | undefined;

  constructor(
    private readonly repositories: {
      builds: BuildRepository;
      outputs: BuildOutputRepository;
      events: EventRepository;
      catalog: CatalogRepository;
    },
    private readonly cache: Pick<Redis, 'pipeline'>,
    private readonly settings: RefreshSettings,
  ) {}

  refresh(customerId: string): Promise<RefreshOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ customerId, resolve, reject });
      this.pump();
    });
  }

  /** Starts batches of the waiting refreshes while fewer than REFRESH_BATCHES_IN_FLIGHT run. */
  private pump(): void {
    while (this.inFlight < REFRESH_BATCHES_IN_FLIGHT && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.settings.maxBatch ?? DEFAULT_REFRESH_BATCH);
      this.inFlight++;
      this.refreshMany([...new Set(batch.map((w) => w.customerId))])
        .then(
          (outcomes) => {
            for (const w of batch) w.resolve(outcomes.get(w.customerId)!);
          },
          (e: unknown) => {
            for (const w of batch) w.reject(e);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  /** One batch: one read round trip (two when the build changed or a customer is new), two writes. */
  async refreshMany(customerIds: readonly string[]): Promise<Map<string, RefreshOutcome>> {
    const out = new Map<string, RefreshOutcome>();
    const seconds: RefreshBatchStats['seconds'] = {};
    let t = performance.now();
    const step = (name: RefreshStep) => {
      const now = performance.now();
      seconds[name] = (now - t) / 1000;
      t = now;
    };
    // One round trip in the usual case: the active build, the customers' events and the catalogue
    // check (against the build last seen, redone if another was published since) all at once.
    const seen = this.lastBuild;
    const [build, events, seenCatalog] = await Promise.all([
      this.repositories.builds.active(),
      this.eventsOf(customerIds),
      seen ? this.catalogSignature(seen) : undefined,
    ]);
    step('read');
    if (!build) {
      for (const id of customerIds) out.set(id, { buildId: null, items: 0, liveEvents: 0 });
      return out;
    }
    this.lastBuild = build;
    const loaded = await this.engineFor(build);
    const unknown = customerIds.filter((id) => !loaded.engine.knows(id));
    const [catalog, segments] = await Promise.all([
      seen?.id === build.id && seenCatalog !== undefined ? seenCatalog : this.catalogSignature(build),
      this.segmentsOf(unknown),
    ]);
    step('load');
    if (catalog !== loaded.catalog) {
      // Rare (a product created or edited since the last check): O(changes), then the attribute graph.
      loaded.engine.setCatalogChanges(await this.catalogChanges(build));
      loaded.catalog = catalog;
      step('catalog');
    }
    // Synchronous from here to the ranked lists: no other batch can change the engine in between.
    const lists: { customer_id: string; items: Buffer; cached: string; top: string }[] = [];
    for (const customerId of customerIds) {
      const result = loaded.engine.refresh({
        customerId,
        segment: segments.get(customerId),
        events: events.get(customerId) ?? [],
      });
      const { snapshot, recommendations } = result;
      const items = toRankedItems(recommendations.items, snapshot);
      const stored = {
        items: toStoredItems(recommendations.items, snapshot),
        segment: segmentOf(snapshot, recommendations.customer),
      };
      // The row packed as a build packs it; the cache key in serving's layout (it answers from it without parsing).
      const cached = encodeListCache(items);
      lists.push({
        customer_id: customerId,
        items: encodeList(stored, snapshotNames(snapshot), loaded.dictionary),
        cached,
        top: encodeTopAnswer(items, listCacheToken(cached)),
      });
      out.set(customerId, { buildId: build.id, items: items.length, liveEvents: result.liveEvents });
    }
    step('rank');
    // The row and the cache keys (the list and its top) at once: serving reads the keys, the row
    // outlives their expiry. If one write fails the job fails and is retried; either way the next
    // event redoes the list.
    const cache = this.cache.pipeline();
    const { cacheKeyPrefix: prefix, cacheTtlSeconds: ttl } = this.settings;
    for (const l of lists) {
      cache.set(customerListCacheKey(prefix, build.id, l.customer_id), l.cached, 'EX', ttl);
      cache.set(customerTopCacheKey(prefix, build.id, l.customer_id), l.top, 'EX', ttl);
    }
    const [, cached] = await Promise.all([
      this.repositories.outputs.upsertRecommendations(build.id, lists),
      cache.exec(),
    ]);
    for (const [err] of cached ?? []) if (err) throw err;
    step('write');
    this.settings.onBatch?.({ customers: customerIds.length, seconds });
    return out;
  }

  /** The build whose artifacts are decoded here (or being decoded), if any. */
  get decodedBuildId(): string | undefined {
    return this.loadedFor;
  }

  /**
   * Decodes the active build ahead of the first refresh (at boot, and when a build is published: see
   * `ActiveBuildPreloader`), so no refresh waits the seconds a large build takes to decode. Returns
   * the build's id, or null when none is published.
   */
  async preload(): Promise<string | null> {
    const build = await this.repositories.builds.active();
    if (!build) return null;
    await this.engineFor(build);
    return build.id;
  }

  /** The active build decoded once per process (a failed load is retried by the next refresh). */
  private engineFor(build: BuildEntity): Promise<Loaded> {
    if (this.loadedFor !== build.id || !this.loaded) {
      this.loadedFor = build.id;
      this.loaded = loadBuildArtifacts(this.repositories.outputs, build).then((decoded) => ({
        buildId: build.id,
        dictionary: new ListDictionary(decoded.snapshot.products.ids.slice()),
        engine: new RealtimeEngine(decoded, this.settings.realtime ?? DEFAULT_REALTIME_CONFIG),
        catalog: '0',
      }));
      this.loaded.catch(() => {
        this.loaded = undefined;
        this.loadedFor = undefined;
      });
    }
    return this.loaded;
  }

  /** Whether the catalogue changed since the last batch, without reading it (see `changeSignature`). */
  private catalogSignature(build: BuildEntity): Promise<string> {
    return this.repositories.catalog.changeSignature(build.startedAt ?? build.createdAt);
  }

  /**
   * Products created or edited since the build started (event stubs included): the build's
   * snapshot was read after that, so re-applying an edit it already has changes nothing.
   */
  private async catalogChanges(build: BuildEntity): Promise<ProductRow[]> {
    return toProductRows(await this.repositories.catalog.products(build.startedAt ?? build.createdAt));
  }

  /** Every event of these customers, one read for the batch. */
  private async eventsOf(customerIds: readonly string[]): Promise<Map<string, LiveEventRow[]>> {
    const out = new Map<string, LiveEventRow[]>();
    for (const r of await this.repositories.events.histories(customerIds)) {
      let list = out.get(r.customer_id);
      if (!list) out.set(r.customer_id, (list = []));
      list.push({
        product_id: r.product_id,
        type: r.type,
        timestamp: r.ts,
        order_id: r.order_id,
        quantity: r.quantity,
        session_id: r.session_id,
      });
    }
    return out;
  }

  /** Segments of customers the build does not know (a known one keeps the build's). */
  private segmentsOf(customerIds: readonly string[]): Promise<Map<string, string | null>> {
    return this.repositories.catalog.segmentsOf(customerIds);
  }
}
