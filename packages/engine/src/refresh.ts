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

import type { EngineConfig } from './config';
import { CandidateGenerator, type CandidateSet, type FeatureArtifacts } from './candidates';
import type { Csr } from './csr';
import type { Reason } from './explain';
import { buildAttributeGraph } from './features/attributes';
import { buildCustomerAffinities } from './features/affinities';
import type { ItemGraphs } from './features/graphs';
import type { ItemStats } from './features/item-stats';
import { buildProfile, type CustomerProfile } from './profile';
import { rankCandidates, type CustomerRecommendations, type RecommendedItem } from './rank/rank-candidates';
import type { RankerModel } from './rank/ranker';
import { applyRules } from './rules';
import {
  allocateLog,
  DEFAULT_SEGMENT,
  EventType,
  type CustomerDictionary,
  type CustomerIndex,
  type EventTypeName,
  type ProductDictionary,
  type ProductRow,
  type Snapshot,
} from './snapshot';
import type { Candidate, Strategy } from './strategies/types';

export interface RealtimeConfig {
  /** Events further apart than this start a new session (when events carry no session id). */
  sessionGapMinutes: number;
  /** Weight of the current session's events against earlier events since the build. */
  sessionWeight: number;
  /** Share of the remaining purchase probability that a product with full live intent gains. */
  intentLift: number;
  /** The same for a complement of such a product, scaled by the edge's strength in its row. */
  complementLift: number;
  /** Complements ("bought with", "bought after") proposed per product of live intent. */
  complementsPerItem: number;
  /** Score multiplier of a product bought since the build that the customer does not re-buy on a cycle. */
  justBoughtFactor: number;
  /** Purchase occasions before the build from which a product counts as re-bought on a cycle. */
  cyclePurchases: number;
  /** Newest events since the build that a refresh reads (bounds its cost whatever a client sends). */
  maxLiveEvents: number;
}

export const DEFAULT_REALTIME_CONFIG: RealtimeConfig = {
  sessionGapMinutes: 30, // the usual web-analytics session timeout
  sessionWeight: 2, // what they browse now says more than what they browsed yesterday
  intentLift: 0.7, // a product in the cart right now is more likely bought than not
  complementLift: 0.35, // half the item's own lift: a complement is a guess about the basket
  complementsPerItem: 10,
  justBoughtFactor: 0.2, // just bought, no cycle: the need is met for now
  cyclePurchases: 2, // two occasions make an interval, i.e. a cycle
  maxLiveEvents: 1000,
};

/** One of the customer's events as stored (Postgres rows; `timestamp` in epoch ms). */
export interface LiveEventRow {
  product_id: string;
  type: EventTypeName;
  timestamp: number;
  order_id?: string | null;
  quantity?: number | null;
  session_id?: string | null;
}

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

/** Live intent per product: weighted views, clicks and cart adds since the build and since its last purchase. */
interface Intent {
  weight: number;
  cart: boolean;
  views: number;
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

/**
 * The customer's category affinities from their events alone: the rebuild's own
 * `buildCustomerAffinities`, run on a one-customer view (its cost is per customer of the snapshot).
 */
function customerAffinityRow(
  view: Snapshot,
  c: number,
  config: EngineConfig,
): { cols: Int32Array; vals: Float32Array } {
  const one: Snapshot = {
    ...view,
    customers: {
      ids: [view.customers.ids[c]!],
      segment: Int32Array.of(view.customers.segment[c]!),
      segmentNames: view.customers.segmentNames,
    },
    events: { ...view.events, customer: new Int32Array(view.events.customer.length) },
  };
  const { categories } = buildCustomerAffinities(one, config);
  return {
    cols: categories.cols.subarray(categories.offsets[0], categories.offsets[1]),
    vals: categories.vals.subarray(categories.offsets[0], categories.offsets[1]),
  };
}

/** The candidate set's rows of `keep` (features as computed over the whole set). */
function subset(set: CandidateSet, keep: readonly { product: number }[]): CandidateSet {
  const rowOf = new Map<number, number>();
  set.products.forEach((p, r) => rowOf.set(p, r));
  const width = set.features.length / Math.max(1, set.products.length);
  const viaWidth = set.via.length / Math.max(1, set.products.length);
  const out: CandidateSet = {
    customer: set.customer,
    products: new Int32Array(keep.length),
    foundBy: new Uint8Array(keep.length),
    features: new Float32Array(keep.length * width),
    via: new Int32Array(keep.length * viaWidth),
  };
  keep.forEach(({ product }, i) => {
    const r = rowOf.get(product)!;
    out.products[i] = product;
    out.foundBy[i] = set.foundBy[r]!;
    out.features.set(set.features.subarray(r * width, (r + 1) * width), i * width);
    out.via.set(set.via.subarray(r * viaWidth, (r + 1) * viaWidth), i * viaWidth);
  });
  return out;
}

/**
 * What the customer shows interest in since the build: per product, views, clicks and cart adds
 * (event weights, relative to a purchase) after its last purchase or return, the current session's
 * weighted more. A purchase or a return ends the intent (the ranker's own features take over).
 */
function liveIntent(
  live: readonly LiveEventRow[],
  productIndex: ReadonlyMap<string, number>,
  config: EngineConfig,
  rt: RealtimeConfig,
): Map<number, Intent> {
  const out = new Map<number, Intent>();
  if (live.length === 0) return out;
  const sessionStart = currentSessionStart(live, rt.sessionGapMinutes);
  const w = config.eventWeights;
  for (let i = 0; i < live.length; i++) {
    const e = live[i]!;
    const p = productIndex.get(e.product_id)!;
    if (e.type === 'purchase' || e.type === 'return') {
      out.delete(p);
      continue;
    }
    const current = i >= sessionStart;
    const x = out.get(p) ?? { weight: 0, cart: false, views: 0 };
    x.weight += (w[e.type] / w.purchase) * (current ? rt.sessionWeight : 1);
    if (e.type === 'cart_add') x.cart = true;
    if (e.type === 'cart_remove') x.cart = false;
    if (current && (e.type === 'view' || e.type === 'click')) x.views++;
    out.set(p, x);
  }
  for (const [p, x] of out) if (x.weight <= 0) out.delete(p);
  return out;
}

/** Index of the first event of the newest session: its session id, else no gap above the timeout. */
function currentSessionStart(live: readonly LiveEventRow[], gapMinutes: number): number {
  const last = live[live.length - 1]!;
  let i = live.length - 1;
  while (i > 0) {
    const prev = live[i - 1]!;
    const sameSession =
      last.session_id && prev.session_id
        ? prev.session_id === last.session_id
        : live[i]!.timestamp - prev.timestamp <= gapMinutes * 60_000;
    if (!sameSession) break;
    i--;
  }
  return i;
}

/** Distinct purchase occasions (orders, or instants without one) per product. */
function purchaseOccasions(
  events: readonly LiveEventRow[],
  productIndex: ReadonlyMap<string, number>,
): Map<number, number> {
  const seen = new Set<string>();
  const out = new Map<number, number>();
  for (const e of events) {
    if (e.type !== 'purchase') continue;
    const key = `${e.product_id}\u0000${e.order_id ?? `t${e.timestamp}`}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const p = productIndex.get(e.product_id)!;
    out.set(p, (out.get(p) ?? 0) + 1);
  }
  return out;
}

/** Complements of the products of live intent: lift by edge strength relative to the row's strongest. */
function complementsOf(
  intent: ReadonlyMap<number, Intent>,
  graphs: ItemGraphs,
  rt: RealtimeConfig,
): Map<number, { lift: number; via: number }> {
  const out = new Map<number, { lift: number; via: number }>();
  for (const [p, x] of intent) {
    const strength = rt.complementLift * Math.min(1, x.weight);
    for (const g of [graphs.together, graphs.after]) {
      const lo = g.offsets[p] ?? 0;
      const hi = Math.min(g.offsets[p + 1] ?? lo, lo + rt.complementsPerItem);
      let max = 0;
      for (let k = lo; k < hi; k++) max = Math.max(max, g.vals[k]!);
      for (let k = lo; k < hi; k++) {
        const q = g.cols[k]!;
        if (intent.has(q) || max <= 0) continue;
        const lift = (strength * g.vals[k]!) / max;
        if (lift > (out.get(q)?.lift ?? 0)) out.set(q, { lift, via: p });
      }
    }
  }
  return out;
}

/**
 * The candidate generator of a loaded build, reused by every refresh: the customer's profile comes
 * from the refresh's one-customer view, and the products of live intent count as the freshest basket.
 */
class LiveCandidateGenerator extends CandidateGenerator {
  private current: { view: Snapshot; index: CustomerIndex; intent: ReadonlyMap<number, Intent> } | undefined;

  /** `generate` for one refresh: `view` holds the customer's events, `index` their row. */
  generateLive(
    customer: number,
    view: Snapshot,
    index: CustomerIndex,
    intent: ReadonlyMap<number, Intent>,
    extra: readonly (readonly [Strategy, readonly Candidate[]])[],
  ): CandidateSet {
    this.current = { view, index, intent };
    try {
      return this.generate(customer, extra);
    } finally {
      this.current = undefined;
    }
  }

  override profile(customer: number): CustomerProfile {
    if (!this.current) return super.profile(customer);
    const { view, index, intent } = this.current;
    const p = buildProfile(view, index, customer, this.config);
    if (intent.size === 0) return p;
    // What is in the cart or on screen now feeds "bought together" the way a recent basket does.
    const recent = new Map<number, number>();
    p.recentItems.forEach((item, i) => recent.set(item, p.recentWeights[i]!));
    for (const [item, x] of intent) recent.set(item, Math.max(recent.get(item) ?? 0, Math.min(1, x.weight)));
    return {
      ...p,
      recentItems: Int32Array.from(recent.keys()),
      recentWeights: Float32Array.from(recent.values()),
    };
  }
}

function ownText(x: Intent): string {
  if (x.cart) return 'in your cart now';
  if (x.views > 1) return `you looked at it ${x.views} times just now`;
  return 'you looked at it just now';
}

function complementText(s: Snapshot, via: number, x: Intent): string {
  const name = s.products.name[via] || s.products.ids[via];
  return `goes with ${name}, which ${x.cart ? 'is in your cart' : 'you looked at just now'}`;
}

function indexOf(ids: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  ids.forEach((id, i) => m.set(id, i));
  return m;
}

/** A name dictionary continued from existing names. */
function namer(names: string[]): (name: string) => number {
  const index = indexOf(names);
  return (name) => {
    let i = index.get(name);
    if (i === undefined) {
      i = names.push(name) - 1;
      index.set(name, i);
    }
    return i;
  };
}

/** The build's product dictionary with rows applied: edited products overwritten, new ones appended. */
export function extendProducts(base: ProductDictionary, rows: readonly ProductRow[]): ProductDictionary {
  const ids = [...base.ids];
  const index = indexOf(ids);
  const changed = new Map<number, ProductRow>();
  for (const r of rows) {
    let i = index.get(r.product_id);
    if (i === undefined) {
      i = ids.push(r.product_id) - 1;
      index.set(r.product_id, i);
    }
    changed.set(i, r);
  }
  const nP = ids.length;
  const categoryNames = [...base.categoryNames];
  const brandNames = [...base.brandNames];
  const attrTokenNames = [...base.attrTokenNames];
  const category = namer(categoryNames);
  const brand = namer(brandNames);
  const token = namer(attrTokenNames);
  const out: ProductDictionary = {
    ids,
    name: [...base.name, ...new Array<string>(nP - base.ids.length).fill('')],
    category: grow(Int32Array, base.category, nP, -1),
    categoryNames,
    brand: grow(Int32Array, base.brand, nP, -1),
    brandNames,
    price: grow(Float64Array, base.price, nP, NaN),
    available: grow(Uint8Array, base.available, nP, 1),
    attrOffsets: new Int32Array(nP + 1),
    attrTokens: new Int32Array(0),
    attrTokenNames,
  };
  const tokens: number[] = [];
  for (let p = 0; p < nP; p++) {
    const row = changed.get(p);
    if (row) {
      out.name[p] = row.name ?? '';
      out.category[p] = row.category ? category(row.category) : -1;
      out.brand[p] = row.brand ? brand(row.brand) : -1;
      out.price[p] = row.price !== undefined && Number.isFinite(row.price) ? row.price : NaN;
      out.available[p] = row.available === false ? 0 : 1;
      for (const [k, v] of Object.entries(row.attributes ?? {})) tokens.push(token(`${k}=${String(v)}`));
    } else {
      for (let k = base.attrOffsets[p]!; k < base.attrOffsets[p + 1]!; k++) tokens.push(base.attrTokens[k]!);
    }
    out.attrOffsets[p + 1] = tokens.length;
  }
  out.attrTokens = Int32Array.from(tokens);
  return out;
}

type TypedArray = Int32Array | Float32Array | Float64Array | Uint8Array;

function grow<T extends TypedArray>(Ctor: new (n: number) => T, a: T, n: number, fill: number): T {
  if (a.length >= n) return a;
  const b = new Ctor(n);
  b.fill(fill);
  b.set(a);
  return b;
}

/** A CSR with empty rows appended up to `rows`. */
function padCsr(m: Csr, rows: number): Csr {
  if (m.offsets.length - 1 >= rows) return m;
  const offsets = new Int32Array(rows + 1);
  offsets.set(m.offsets);
  offsets.fill(m.offsets[m.offsets.length - 1] ?? 0, m.offsets.length);
  return { ...m, offsets };
}

/** Statistics of products new since the build: none yet (no sales, no returns, never seen). */
function padItemStats(s: ItemStats, nP: number, nCategories: number): ItemStats {
  return {
    ...s,
    buyersWindow: grow(Float32Array, s.buyersWindow, nP, 0),
    buyersPrevWindow: grow(Float32Array, s.buyersPrevWindow, nP, 0),
    buyersShort: grow(Float32Array, s.buyersShort, nP, 0),
    popularityDecayed: grow(Float32Array, s.popularityDecayed, nP, 0),
    buyersTotal: grow(Float32Array, s.buyersTotal, nP, 0),
    repeatRate: grow(Float32Array, s.repeatRate, nP, 0),
    meanGapDays: grow(Float32Array, s.meanGapDays, nP, NaN),
    returnRate: grow(Float32Array, s.returnRate, nP, 0),
    firstSeen: grow(Float64Array, s.firstSeen, nP, NaN),
    byCategory: padCsr(s.byCategory, nCategories),
  };
}

function padGraphs(g: ItemGraphs, nP: number): ItemGraphs {
  return {
    ...g,
    collaborative: padCsr(g.collaborative, nP),
    together: padCsr(g.together, nP),
    after: padCsr(g.after, nP),
  };
}
