/**
 * Real-time refresh of one customer's list: the active build's item statistics, graphs and ranker,
 * plus the customer's whole event history (including what arrived since the build), ranked by the
 * same `rankCandidates` code as a rebuild. What the customer is doing right now (views, cart adds
 * since the build, in the current session most) lifts those products and their complements; a
 * purchase since the build lowers the product unless the customer re-buys it on a cycle; a return
 * demotes it through the ranker's own return rule.
 *
 * Time: a build's statistics are "as of" its `asOf`, and a live store's events arrive after it
 * (the demo's history ends in 2011, its live events are from today). Measuring recency from the
 * newest event would age the whole history by the gap and make every customer look dormant, so the
 * refresh keeps the build's `asOf` and re-times the events after it to the last milliseconds before
 * `asOf`, in their order: they count as "now". The next rebuild sees their true times.
 */

import type { CandidateSet, FeatureArtifacts } from '../candidates';
import type { EngineConfig } from '../config';
import type { Csr } from '../csr';
import type { Reason } from '../explain';
import { buildAttributeGraph } from '../features/attributes';
import { rankCandidates, type CustomerRecommendations, type RecommendedItem } from '../rank/rank-candidates';
import type { RankerModel } from '../rank/ranker';
import { applyRules } from '../rules';
import {
  allocateLog,
  DEFAULT_SEGMENT,
  EventType,
  type CustomerDictionary,
  type CustomerIndex,
  type ProductDictionary,
  type ProductRow,
  type Snapshot,
} from '../snapshot';
import type { Candidate, Strategy } from '../strategies/types';
import { customerAffinityRow, LiveCandidateGenerator, subset } from './candidates';
import { extendProducts, indexOf, padGraphs, padItemStats } from './catalog';
import { DEFAULT_REALTIME_CONFIG, type RealtimeConfig } from './config';
import {
  complementsOf,
  complementText,
  liveIntent,
  ownText,
  purchaseOccasions,
  type LiveEventRow,
} from './intent';

export interface RefreshInput {
  customerId: string;
  /** Segment of a customer the build does not know (a known one keeps the build's). */
  segment?: string | null;
  /** Every event of the customer, any order (before and after the build's asOf). */
  events: readonly LiveEventRow[];
}

export interface RefreshResult {
  recommendations: CustomerRecommendations;
  /** The snapshot the items index into (build dictionaries plus catalogue changes): for naming them. */
  snapshot: Snapshot;
  /** Events after the build's asOf that the refresh took into account. */
  liveEvents: number;
}

/** What a refresh needs of a build: its snapshot, decoded feature artifacts, ranker and configuration. */
export interface RefreshableBuild {
  snapshot: Snapshot;
  artifacts: FeatureArtifacts;
  model: RankerModel;
  config: EngineConfig;
}

/** Candidates scored in full beyond the list's length before the shortcut falls back to all. */
const DEPTH_MARGIN = 10;

/** A candidate's live score: the ranker's (`base`, after "just bought") lifted by live intent. */
interface Adjusted {
  product: number;
  base: number;
  lift: number;
  byOwn: boolean;
  score: number;
}

/**
 * A build kept in memory for real-time refreshes. Catalogue changes since the build (new products,
 * edited ones) are applied with `setCatalogChanges`; each `refresh` is synchronous and touches only
 * one customer's events, so concurrent refreshes in one process are safe.
 *
 * Cost: everything per store (product index, candidate generator with its catalogue-sized scratch
 * arrays, per-segment popular lists) is built once per loaded build or catalogue change; a refresh
 * costs O(that customer's events + candidates), whatever the number of customers or events.
 */
export class RealtimeEngine {
  private products: ProductDictionary;
  private productIndex: Map<string, number>;
  private artifacts: FeatureArtifacts;
  /** The build's customers plus one spare slot, taken in turn by a customer the build does not know. */
  private readonly customers: CustomerDictionary;
  private readonly customerIndex: Map<string, number>;
  /**
   * Customer-indexed structures holding one row, the refreshed customer's, for the duration of a
   * synchronous refresh: all offsets 0 except `[c + 1]` (the row's length), so row c is the data and
   * every other row is empty. Allocated once: a refresh writes and clears one entry, O(1).
   */
  private readonly affinityRow: Csr;
  private readonly eventRow: CustomerIndex;
  private generator: LiveCandidateGenerator;

  constructor(
    private readonly build: RefreshableBuild,
    private readonly realtime: RealtimeConfig = DEFAULT_REALTIME_CONFIG,
  ) {
    const s = build.snapshot;
    this.products = s.products;
    this.productIndex = indexOf(s.products.ids);
    this.artifacts = build.artifacts;
    const nC = s.customers.ids.length;
    const segment = new Int32Array(nC + 1);
    segment.set(s.customers.segment);
    this.customers = {
      ids: [...s.customers.ids, ''],
      segment,
      segmentNames: [...s.customers.segmentNames],
    };
    this.customerIndex = indexOf(s.customers.ids);
    this.affinityRow = {
      offsets: new Int32Array(nC + 2),
      cols: new Int32Array(0),
      vals: new Float32Array(0),
    };
    this.eventRow = { offsets: new Int32Array(nC + 2), rows: new Int32Array(0) };
    this.generator = this.newGenerator();
  }

  get asOf(): number {
    return this.build.snapshot.asOf;
  }

  /** Whether the build has this customer (else a refresh needs their segment from the caller). */
  knows(customerId: string): boolean {
    return this.customerIndex.has(customerId);
  }

  /**
   * Products created or edited since the build (rows as stored now; an empty list restores the
   * build's catalogue). New products get empty statistics and graph rows, and the attribute graph is
   * rebuilt over the whole catalogue, so a new product reaches lists through attribute similarity.
   * O(catalogue): callers apply it only when the catalogue changed.
   */
  setCatalogChanges(rows: readonly ProductRow[]): void {
    const base = this.build.snapshot.products;
    if (rows.length === 0) {
      this.products = base;
      this.productIndex = indexOf(base.ids);
      this.artifacts = this.build.artifacts;
    } else {
      this.products = extendProducts(base, rows);
      this.productIndex = indexOf(this.products.ids);
      const nP = this.products.ids.length;
      const a = this.build.artifacts;
      this.artifacts = {
        ...a,
        itemStats: padItemStats(a.itemStats, nP, this.products.categoryNames.length),
        graphs: padGraphs(a.graphs, nP),
        attributes: buildAttributeGraph(
          { ...this.build.snapshot, products: this.products },
          this.build.config,
        ),
      };
    }
    this.generator = this.newGenerator();
  }

  /** The candidate generator over the current catalogue, its per-customer inputs set per refresh. */
  private newGenerator(): LiveCandidateGenerator {
    const base: Snapshot = {
      ...this.build.snapshot,
      events: allocateLog(0),
      customers: this.customers,
      products: this.products,
      orders: [],
    };
    return new LiveCandidateGenerator(
      base,
      { ...this.artifacts, affinities: { categories: this.affinityRow } },
      this.build.config,
    );
  }

  refresh(input: RefreshInput, limit?: number): RefreshResult {
    const { config, model } = this.build;
    const rt = this.realtime;
    const asOf = this.asOf;
    let c = this.customerIndex.get(input.customerId);
    if (c === undefined) {
      // The spare slot: valid for this synchronous call only.
      c = this.customers.ids.length - 1;
      this.customers.ids[c] = input.customerId;
      const name = input.segment ?? DEFAULT_SEGMENT;
      let seg = this.customers.segmentNames.indexOf(name);
      if (seg < 0) seg = this.customers.segmentNames.push(name) - 1;
      this.customers.segment[c] = seg;
    }

    const events = input.events
      .filter((e) => this.productIndex.has(e.product_id) && Number.isFinite(e.timestamp))
      .sort((x, y) => x.timestamp - y.timestamp);
    let firstLive = events.findIndex((e) => e.timestamp > asOf);
    if (firstLive < 0) firstLive = events.length;
    const old = events.slice(0, firstLive);
    const live = events.slice(Math.max(firstLive, events.length - rt.maxLiveEvents));
    const view = this.viewOf(c, old, live);

    const intent = liveIntent(live, this.productIndex, config, rt);
    const justBought = new Set<number>();
    for (const e of live) if (e.type === 'purchase') justBought.add(this.productIndex.get(e.product_id)!);
    for (const p of intent.keys()) justBought.delete(p);
    const cycles = purchaseOccasions(old, this.productIndex);

    const gen = this.generator;
    const artifacts = gen.artifacts;
    const complements = complementsOf(intent, artifacts.graphs, rt);
    const own: Candidate[] = [...intent].map(([product, i]) => ({ product, score: i.weight, via: -1 }));
    const comp: Candidate[] = [...complements].map(([product, x]) => ({
      product,
      score: x.lift,
      via: x.via,
    }));

    // This customer's rows in the customer-indexed inputs, for the synchronous rest of the call.
    const n = view.events.customer.length;
    const affinity = customerAffinityRow(view, c, config);
    this.affinityRow.cols = affinity.cols;
    this.affinityRow.vals = affinity.vals;
    this.affinityRow.offsets[c + 1] = affinity.cols.length;
    this.eventRow.rows = identity(n);
    this.eventRow.offsets[c + 1] = n;
    let set: CandidateSet;
    try {
      set = gen.generateLive(c, view, this.eventRow, intent, [
        ['repurchase', own],
        ['complementary', comp],
      ]);
    } finally {
      this.affinityRow.offsets[c + 1] = 0;
      this.eventRow.offsets[c + 1] = 0;
    }

    const listLength = limit ?? config.listLength;
    const kept = this.select(
      set,
      view,
      listLength,
      (p, base) => {
        let score = base;
        if (justBought.has(p) && (cycles.get(p) ?? 0) < rt.cyclePurchases) score *= rt.justBoughtFactor;
        const mine = intent.get(p);
        const ownLift = mine ? rt.intentLift * Math.min(1, mine.weight) : 0;
        const compLift = complements.get(p)?.lift ?? 0;
        const lift = Math.max(ownLift, compLift);
        return {
          product: p,
          base: score,
          lift,
          byOwn: ownLift >= compLift,
          score: score + (1 - score) * lift,
        };
      },
      [...intent.keys(), ...complements.keys(), ...justBought],
    );
    const explained = new Map(
      rankCandidates(subset(set, kept), view, artifacts, model, config, {
        limit: kept.length,
        maxCategoryShare: 1,
      }).map((item) => [item.product, item]),
    );

    const items = kept.map(({ product: p, base: score, lift, byOwn, score: lifted }): RecommendedItem => {
      const item = { ...explained.get(p)!, score };
      if (lift <= 0) return item;
      const gained = lifted - score;
      const mine = intent.get(p);
      const partner = complements.get(p);
      const reason: Reason = byOwn
        ? { feature: 'interest', value: mine!.weight, attribution: gained / lifted, text: ownText(mine!) }
        : {
            feature: 'together',
            value: partner!.lift,
            attribution: gained / lifted,
            text: complementText(view, partner!.via, intent.get(partner!.via)!),
          };
      const keep = score / lifted;
      const reasons = [
        reason,
        ...item.reasons.map((r) => ({ ...r, attribution: r.attribution * keep })),
      ].sort((x, y) => y.attribution - x.attribution);
      const strategy: Strategy = gained > score ? (byOwn ? 'repurchase' : 'complementary') : item.strategy;
      return { ...item, score: lifted, strategy, reasons };
    });
    return {
      recommendations: { customer: c, customerId: input.customerId, items },
      snapshot: view,
      liveEvents: live.length,
    };
  }

  /**
   * The list: candidates by their live score (`adjust` of the ranker's), under the list rules.
   * Only `affected` products (live intent, complements, bought since the build) move; every other
   * candidate keeps the ranker's order. So the ranker scores all candidates, but the contributions
   * behind a strategy are computed for the top `depth` of that order plus the affected ones, not
   * for all: exact as long as the list fills before reaching the depth (checked; else all).
   */
  private select(
    set: CandidateSet,
    view: Snapshot,
    listLength: number,
    adjust: (product: number, base: number) => Adjusted,
    affected: readonly number[],
  ): Adjusted[] {
    const { config, model } = this.build;
    const artifacts = this.generator.artifacts;
    const n = set.products.length;
    const rank = (s: CandidateSet, k: number) =>
      rankCandidates(s, view, artifacts, model, config, {
        limit: k,
        maxCategoryShare: 1,
        withoutReasons: true,
      });
    const candidates = new Set(set.products);
    // The list plus a margin for products the category rule skips (a deeper pass when not enough).
    let depth = Math.min(n, listLength + DEPTH_MARGIN + affected.length);
    for (;;) {
      const top = rank(set, depth);
      const scored = new Map(top.map((i) => [i.product, i.score]));
      const missing = [...new Set(affected)].filter((p) => !scored.has(p) && candidates.has(p));
      if (depth < n && missing.length > 0)
        for (const i of rank(
          subset(
            set,
            missing.map((product) => ({ product })),
          ),
          missing.length,
        ))
          scored.set(i.product, i.score);
      const adjusted = [...scored].map(([p, base]) => adjust(p, base));
      adjusted.sort((x, y) => y.score - x.score || x.product - y.product);
      const kept = applyRules(adjusted, view.products, {
        limit: listLength,
        maxCategoryShare: config.rules.maxCategoryShare,
      });
      if (depth >= n) return kept;
      // Candidates below the depth come after its last one in the ranker's order, and unaffected
      // ones keep it: if the list filled before that point, none of them could have entered it.
      const edge = top[top.length - 1]!;
      const last = kept[kept.length - 1];
      if (
        kept.length === listLength &&
        last &&
        (last.score > edge.score || (last.score === edge.score && last.product < edge.product))
      )
        return kept;
      depth = n;
    }
  }

  /** The build's dictionaries with one customer's events: old ones as they were, live ones re-timed. */
  private viewOf(c: number, old: readonly LiveEventRow[], live: readonly LiveEventRow[]): Snapshot {
    const n = old.length + live.length;
    const log = allocateLog(n);
    log.customer.fill(c);
    const orders: string[] = [];
    const orderIndex = new Map<string, number>();
    const put = (k: number, e: LiveEventRow, ts: number) => {
      log.product[k] = this.productIndex.get(e.product_id)!;
      log.type[k] = EventType[e.type];
      log.ts[k] = ts;
      log.quantity[k] = e.quantity ?? 1;
      let o = -1;
      if (e.order_id) {
        o = orderIndex.get(e.order_id) ?? -1;
        if (o < 0) {
          o = orders.push(e.order_id) - 1;
          orderIndex.set(e.order_id, o);
        }
      }
      log.order[k] = o;
    };
    old.forEach((e, k) => put(k, e, e.timestamp));
    live.forEach((e, i) => put(old.length + i, e, this.asOf - (live.length - 1 - i)));
    return {
      ...this.build.snapshot,
      events: log,
      customers: this.customers,
      products: this.products,
      orders,
    };
  }
}

function identity(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let k = 0; k < n; k++) rows[k] = k;
  return rows;
}
