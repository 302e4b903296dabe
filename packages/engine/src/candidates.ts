/**
 * Candidate stage for one customer: every strategy proposes products, and each proposed product gets
 * the full feature row the ranker reads (the scores of all strategies, not only the one that found it).
 */

import { DAY_MS, type EngineConfig } from './config';
import type { AttributeGraph } from './features/attributes';
import type { CustomerAffinities } from './features/affinities';
import type { ItemGraphs } from './features/graphs';
import type { ItemStats } from './features/item-stats';
import type { CustomerNeighbours } from './features/neighbours';
import { buildProfile, type CustomerProfile } from './profile';
import { F, FEATURE_COUNT, FEATURE_INDEX, NEVER_DAYS } from './rank/features';
import { affinitySimilarCandidates } from './strategies/affinity-similar';
import { categoryPreferenceCandidates } from './strategies/category-preference';
import { collaborativeCandidates, similarCustomersCandidates } from './strategies/collaborative';
import { complementaryCandidates } from './strategies/complementary';
import { popularCandidates } from './strategies/popular';
import { repurchaseCandidates } from './strategies/repurchase';
import { ScoreAccumulator, STRATEGIES, type Candidate, type Strategy } from './strategies/types';
import { indexByCustomer, type CustomerIndex, type Snapshot } from './snapshot';

/** Artifacts of the feature stages, all built from the same snapshot (same asOf). */
export interface FeatureArtifacts {
  itemStats: ItemStats;
  graphs: ItemGraphs;
  attributes: AttributeGraph;
  affinities: CustomerAffinities;
  neighbours: CustomerNeighbours;
}

/** Graph features whose reasons name the product that led to the candidate. */
export const VIA_FEATURES = [F.collaborative, F.together, F.after, F.attribute_similarity] as const;

export interface CandidateSet {
  customer: number;
  products: Int32Array;
  /** Bit s set: strategy STRATEGIES[s] proposed the product. */
  foundBy: Uint8Array;
  /** Row-major, FEATURE_COUNT per product. */
  features: Float32Array;
  /** Row-major, VIA_FEATURES.length per product: the product behind each graph feature (-1: none). */
  via: Int32Array;
}

/** Features rescaled per customer: [raw, relative]. */
const RELATIVE = [
  [F.repurchase_score, F.repurchase_relative],
  [F.collaborative, F.collaborative_relative],
  [F.together, F.together_relative],
] as const;

export const strategyBit = (s: Strategy): number => 1 << STRATEGIES.indexOf(s);

/** Reusable per-shard generator: scratch arrays are sized once by the catalogue. */
export class CandidateGenerator {
  private readonly index: CustomerIndex;
  private readonly accCollab: ScoreAccumulator;
  private readonly accTogether: ScoreAccumulator;
  private readonly accAfter: ScoreAccumulator;
  private readonly accAttr: ScoreAccumulator;
  private readonly accSimilar: ScoreAccumulator;
  private readonly categoryBest: Float32Array;
  private readonly disabled: number[];
  /** Index of each product in the current profile's items (-1: not the customer's). */
  private readonly ownIndex: Int32Array;
  /**
   * Buyers per product in one segment's popular list (`segmentBuyersSegment`'s), dense over
   * products: one array refilled when the segment changes (≤ one popular list of writes), not one
   * per segment, so memory does not grow with segments × products.
   */
  private readonly segmentBuyers: Float32Array;
  private segmentBuyersSegment: number | undefined;
  /** Popular candidates per segment: the same for every customer of a segment. */
  private readonly popularBySegment = new Map<number, Candidate[]>();

  constructor(
    readonly snapshot: Snapshot,
    readonly artifacts: FeatureArtifacts,
    readonly config: EngineConfig,
  ) {
    const nP = snapshot.products.ids.length;
    this.index = indexByCustomer(snapshot.events, snapshot.customers.ids.length);
    this.accCollab = new ScoreAccumulator(nP);
    this.accTogether = new ScoreAccumulator(nP);
    this.accAfter = new ScoreAccumulator(nP);
    this.accAttr = new ScoreAccumulator(nP);
    this.accSimilar = new ScoreAccumulator(nP);
    this.ownIndex = new Int32Array(nP).fill(-1);
    this.segmentBuyers = new Float32Array(nP);
    this.disabled = config.ranker.disabledFeatures.map((name) => {
      const f = FEATURE_INDEX[name];
      if (f === undefined) throw new Error(`unknown feature ${name}`);
      return f;
    });
    const bc = artifacts.itemStats.byCategory;
    this.categoryBest = new Float32Array(Math.max(0, bc.offsets.length - 1));
    for (let cat = 0; cat < this.categoryBest.length; cat++) {
      this.categoryBest[cat] = bc.offsets[cat + 1]! > bc.offsets[cat]! ? bc.vals[bc.offsets[cat]!]! : 0;
    }
  }

  /** Valid until the next call (one customer's candidates). */
  private segmentBuyersOf(segment: number): Float32Array {
    const dense = this.segmentBuyers;
    if (this.segmentBuyersSegment !== segment) {
      const seg = this.artifacts.itemStats.bySegment;
      const fill = (s: number | undefined, value: (k: number) => number) => {
        if (s === undefined || s < 0 || s >= seg.offsets.length - 1) return;
        for (let k = seg.offsets[s]!; k < seg.offsets[s + 1]!; k++) dense[seg.cols[k]!] = value(k);
      };
      fill(this.segmentBuyersSegment, () => 0);
      fill(segment, (k) => seg.vals[k]!);
      this.segmentBuyersSegment = segment;
    }
    return dense;
  }

  private popular(segment: number): Candidate[] {
    let list = this.popularBySegment.get(segment);
    if (!list) {
      list = popularCandidates(this.artifacts.itemStats, segment, this.config.candidatesPerStrategy.popular);
      this.popularBySegment.set(segment, list);
    }
    return list;
  }

  profile(customer: number): CustomerProfile {
    return buildProfile(this.snapshot, this.index, customer, this.config);
  }

  /**
   * Candidates and feature rows of one customer. A customer without events (or the index
   * `customers.ids.length`, standing for one unknown to the snapshot) gets the cold-start candidates.
   * `extra` lists more candidates (the real-time refresh adds what the customer is looking at now).
   */
  generate(
    customer: number,
    extra: readonly (readonly [Strategy, readonly Candidate[]])[] = [],
  ): CandidateSet {
    const { config, artifacts, snapshot } = this;
    const per = config.candidatesPerStrategy;
    const profile = this.profile(customer);
    const accs = [this.accCollab, this.accTogether, this.accAfter, this.accAttr];
    for (const a of accs) a.reset();
    this.accSimilar.reset();
    const ownIndex = this.ownIndex;
    for (let i = 0; i < profile.items.length; i++) ownIndex[profile.items[i]!] = i;
    const isOwn = (p: number) => ownIndex[p]! >= 0;
    const segment = snapshot.customers.segment[customer] ?? -1;

    const lists: (readonly [Strategy, readonly Candidate[]])[] = [
      ['repurchase', repurchaseCandidates(profile, per.repurchase)],
      [
        'collaborative',
        collaborativeCandidates(
          profile,
          artifacts.graphs.collaborative,
          this.accCollab,
          per.collaborative,
          isOwn,
        ),
      ],
      [
        'collaborative',
        similarCustomersCandidates(
          customer,
          artifacts.neighbours.neighbours,
          artifacts.neighbours.recent,
          this.accSimilar,
          config.similarCustomers.candidates,
          isOwn,
        ),
      ],
      [
        'complementary',
        complementaryCandidates(
          profile,
          artifacts.graphs.together,
          artifacts.graphs.after,
          snapshot.asOf,
          config.complementary.sequenceWindowDays,
          this.accTogether,
          this.accAfter,
          per.complementary,
          isOwn,
        ),
      ],
      [
        'affinity_similar',
        affinitySimilarCandidates(
          profile,
          artifacts.attributes.similar,
          this.accAttr,
          per.affinity_similar,
          isOwn,
        ),
      ],
      [
        'category_preference',
        categoryPreferenceCandidates(
          artifacts.affinities.categories,
          customer,
          artifacts.itemStats.byCategory,
          config.categoryPreference.topCategories,
          per.category_preference,
        ),
      ],
      ['popular', this.popular(segment)],
      ...extra,
    ];
    const slot = new Map<number, number>();
    const products: number[] = [];
    const foundBy: number[] = [];
    for (const [strategy, list] of lists) {
      const bit = strategyBit(strategy);
      for (const c of list) {
        let i = slot.get(c.product);
        if (i === undefined) {
          i = products.length;
          slot.set(c.product, i);
          products.push(c.product);
          foundBy.push(0);
        }
        foundBy[i]! |= bit;
      }
    }

    const n = products.length;
    const features = new Float32Array(n * FEATURE_COUNT);
    const via = new Int32Array(n * VIA_FEATURES.length).fill(-1);
    const stats = artifacts.itemStats;
    const asOf = snapshot.asOf;
    const segBuyers = this.segmentBuyersOf(segment);
    const aff = artifacts.affinities.categories;
    const catShare = new Map<number, number>();
    if (customer < aff.offsets.length - 1) {
      for (let k = aff.offsets[customer]!; k < aff.offsets[customer + 1]!; k++)
        catShare.set(aff.cols[k]!, aff.vals[k]!);
    }
    const shortShare = config.trendingWindowDays / config.popularityWindowDays;
    const daysAgo = (t: number) => (Number.isNaN(t) ? NEVER_DAYS : Math.min(NEVER_DAYS, (asOf - t) / DAY_MS));
    const customerOrders = profile.orders;
    const daysSinceOrder = daysAgo(profile.lastOrderTs);
    const orderInterval = Number.isNaN(profile.meanOrderGapDays) ? NEVER_DAYS : profile.meanOrderGapDays;
    const distinct = profile.items.length;
    // Rank of each own item by repurchase score (1 = most re-ordered).
    const ownRank = new Float32Array(profile.items.length).fill(NEVER_DAYS);
    Array.from(profile.items.keys())
      .filter((i) => profile.repurchase[i]! > 0)
      .sort((a, b) => profile.repurchase[b]! - profile.repurchase[a]! || a - b)
      .forEach((i, r) => (ownRank[i] = r + 1));

    for (let r = 0; r < n; r++) {
      const p = products[r]!;
      const f = features.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT);
      const i = ownIndex[p]!;
      if (i >= 0) {
        f[F.repurchase_score] = profile.repurchase[i]!;
        f[F.own_purchases] = profile.purchases[i]!;
        const since = daysAgo(profile.lastPurchase[i]!);
        f[F.days_since_purchase] = since;
        const cycle = Number.isNaN(profile.meanGapDays[i]!) ? stats.meanGapDays[p]! : profile.meanGapDays[i]!;
        f[F.due_ratio] = since >= NEVER_DAYS || !(cycle > 0) ? NEVER_DAYS : since / cycle;
        f[F.interest] = profile.interest[i]!;
        f[F.returned] = profile.returnedLast[i]!;
        f[F.days_since_first_purchase] = daysAgo(profile.firstPurchase[i]!);
        f[F.own_quantity_log] = Math.log1p(Math.max(0, profile.quantity[i]!));
        f[F.order_share] = customerOrders > 0 ? profile.purchases[i]! / customerOrders : 0;
        f[F.own_rank] = ownRank[i]!;
        f[F.in_last_order] = profile.lastPurchase[i] === profile.lastOrderTs ? 1 : 0;
        f[F.purchases_30d] = profile.purchasesHorizon[i]!;
        f[F.orders_since_purchase] = Number.isNaN(profile.ordersSince[i]!)
          ? NEVER_DAYS
          : profile.ordersSince[i]!;
        f[F.in_recent_orders] = profile.inRecentOrders[i]!;
        f[F.purchases_90d] = profile.purchasesActivity[i]!;
        // P(at least one re-order) if each of the expected orders in the horizon contains it at its
        // recent rate: 1 − (1 − share)^orders.
        if (profile.recentOrders > 0) {
          const share = Math.min(1, profile.purchasesActivity[i]! / profile.recentOrders);
          const expectedOrders = (profile.recentOrders * config.horizonDays) / config.activityWindowDays;
          f[F.expected_repurchase] = 1 - Math.pow(1 - share, expectedOrders);
        }
      } else {
        f[F.own_rank] = NEVER_DAYS;
        f[F.orders_since_purchase] = NEVER_DAYS;
        f[F.days_since_purchase] = NEVER_DAYS;
        f[F.due_ratio] = NEVER_DAYS;
        f[F.days_since_first_purchase] = NEVER_DAYS;
      }
      for (let v = 0; v < VIA_FEATURES.length; v++) {
        const acc = accs[v]!;
        f[VIA_FEATURES[v]!] = acc.score[p]!;
        via[r * VIA_FEATURES.length + v] = acc.via[p]!;
      }
      const cat = snapshot.products.category[p]!;
      f[F.category_share] = cat >= 0 ? (catShare.get(cat) ?? 0) : 0;
      const best = cat >= 0 ? this.categoryBest[cat]! : 0;
      f[F.category_rank_score] = best > 0 ? Math.min(1, stats.popularityDecayed[p]! / best) : 0;
      f[F.buyers_30d] = stats.buyersWindow[p]!;
      f[F.buyers_segment_30d] = segBuyers[p]!;
      f[F.trend] = (stats.buyersShort[p]! + 1) / (stats.buyersWindow[p]! * shortShare + 1);
      f[F.popularity_decayed] = stats.popularityDecayed[p]!;
      f[F.buyers_total] = stats.buyersTotal[p]!;
      f[F.repeat_rate] = stats.repeatRate[p]!;
      f[F.return_rate] = stats.returnRate[p]!;
      const price = snapshot.products.price[p]!;
      f[F.price_log] = Number.isNaN(price) ? -1 : Math.log1p(Math.max(0, price));
      f[F.item_age_days] = daysAgo(stats.firstSeen[p]!);
      f[F.customer_orders] = customerOrders;
      f[F.days_since_order] = daysSinceOrder;
      f[F.order_interval] = orderInterval;
      f[F.customer_distinct_items] = distinct;
      f[F.growth] = (stats.buyersWindow[p]! + 1) / (stats.buyersPrevWindow[p]! + 1);
      f[F.recent_orders] = profile.recentOrders;
      f[F.similar_customers] = this.accSimilar.score[p]!;
      f[F.similar_customers_count] = this.accSimilar.count[p]!;
    }
    // The same scores relative to this customer's best candidate: comparable across customers.
    for (const [from, to] of RELATIVE) {
      let max = 0;
      for (let r = 0; r < n; r++) max = Math.max(max, features[r * FEATURE_COUNT + from]!);
      if (max > 0)
        for (let r = 0; r < n; r++)
          features[r * FEATURE_COUNT + to] = features[r * FEATURE_COUNT + from]! / max;
    }
    for (const d of this.disabled) for (let r = 0; r < n; r++) features[r * FEATURE_COUNT + d] = 0;
    for (let i = 0; i < profile.items.length; i++) ownIndex[profile.items[i]!] = -1;
    return {
      customer,
      products: Int32Array.from(products),
      foundBy: Uint8Array.from(foundBy),
      features,
      via,
    };
  }
}

/** Support (customers / orders) behind the graph edge that a VIA feature names. */
export function viaSupport(graphs: ItemGraphs, feature: number, from: number, to: number): number {
  const pick =
    feature === F.collaborative
      ? ([graphs.collaborative, graphs.collaborativeSupport] as const)
      : feature === F.together
        ? ([graphs.together, graphs.togetherSupport] as const)
        : feature === F.after
          ? ([graphs.after, graphs.afterSupport] as const)
          : undefined;
  if (!pick || from < 0) return 0;
  const [g, support] = pick;
  for (let k = g.offsets[from]!; k < g.offsets[from + 1]!; k++) if (g.cols[k] === to) return support[k]!;
  return 0;
}
