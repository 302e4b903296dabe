/** Item statistics stage: popularity (global, per segment, per category), trends, return rates, cycles. */

import { DAY_MS, decay, type EngineConfig } from '../config';
import { encodeArtifact, decodeArtifact } from '../codec';
import { csrTopK, type Csr } from '../csr';
import { EventType, indexByCustomer, type Snapshot } from '../snapshot';

export interface ItemStats {
  asOf: number;
  /** Distinct buyers (guests included) in the popularity window before asOf. */
  buyersWindow: Float32Array;
  /** Distinct buyers in the window before that (same length): growth = window / previous. */
  buyersPrevWindow: Float32Array;
  /** Distinct buyers in the short trending window. */
  buyersShort: Float32Array;
  /** Purchases weighted by recency (popularity half-life). */
  popularityDecayed: Float32Array;
  /** Distinct buyers over the whole history. */
  buyersTotal: Float32Array;
  /** Share of buyers who bought it on two or more occasions. */
  repeatRate: Float32Array;
  /** Mean days between one customer's consecutive purchases of it (NaN: never re-bought). */
  meanGapDays: Float32Array;
  /** Returns / purchases (0 below the trust threshold). */
  returnRate: Float32Array;
  /** First time anyone interacted with it (epoch ms; NaN: never). */
  firstSeen: Float64Array;
  /** Available products by buyersWindow (ties: decayed popularity), the cold-start list. */
  popular: Int32Array;
  /** Available products by growth of the short window over the long one (min support applies). */
  trending: Int32Array;
  /** Segment → popular products in that segment (vals: buyers in the window). */
  bySegment: Csr;
  /** Category → its available products by decayed popularity (vals: decayed popularity). */
  byCategory: Csr;
}

const KIND = 'item-stats';
const VERSION = 3;
/** Length of the stored popular / trending / per-segment lists. */
const POPULAR_LIST = 200;
/** Products kept per category for the category-preference strategy. */
const PER_CATEGORY = 60;
/** Buyers in the short window before a product can count as trending. */
const TRENDING_MIN_BUYERS = 5;

export function buildItemStats(s: Snapshot, config: EngineConfig): ItemStats {
  const nP = s.products.ids.length;
  const nC = s.customers.ids.length;
  const nS = s.customers.segmentNames.length;
  const { product, type, ts, order } = s.events;
  const asOf = s.asOf;
  const windowStart = asOf - config.popularityWindowDays * DAY_MS;
  const shortStart = asOf - config.trendingWindowDays * DAY_MS;
  const hl = config.halfLifeDays.popularity;

  const buyersWindow = new Float32Array(nP);
  const buyersShort = new Float32Array(nP);
  const buyersPrevWindow = new Float32Array(nP);
  const prevStart = windowStart - config.popularityWindowDays * DAY_MS;
  const popularityDecayed = new Float32Array(nP);
  const buyersTotal = new Float32Array(nP);
  const repeatBuyers = new Float32Array(nP);
  const gapSum = new Float64Array(nP);
  const gapCount = new Float64Array(nP);
  const purchases = new Float32Array(nP);
  const returns = new Float32Array(nP);
  const firstSeen = new Float64Array(nP).fill(NaN);
  const segBuyers = new SegmentCounts(nS, nP);

  // Per customer: stamps make "distinct buyer" counts one pass without a hash set.
  const stamp = new Int32Array(nP).fill(-1);
  const occasions = new Int32Array(nP);
  const lastTs = new Float64Array(nP);
  const lastOrder = new Int32Array(nP);
  const inWindow = new Uint8Array(nP);
  const inShort = new Uint8Array(nP);
  const inPrev = new Uint8Array(nP);
  const idx = indexByCustomer(s.events, nC);
  const touched: number[] = [];
  for (let c = 0; c < nC; c++) {
    touched.length = 0;
    for (let k = idx.offsets[c]!; k < idx.offsets[c + 1]!; k++) {
      const e = idx.rows[k]!;
      const p = product[e]!;
      const t = ts[e]!;
      if (Number.isNaN(firstSeen[p]!) || t < firstSeen[p]!) firstSeen[p] = t;
      const ty = type[e]!;
      if (ty === EventType.return) {
        returns[p]!++;
        continue;
      }
      if (ty !== EventType.purchase) continue;
      purchases[p]!++;
      popularityDecayed[p]! += decay(asOf - t, hl);
      if (stamp[p] !== c) {
        stamp[p] = c;
        touched.push(p);
        occasions[p] = 1;
        lastTs[p] = t;
        lastOrder[p] = order[e]!;
        inWindow[p] = 0;
        inShort[p] = 0;
        inPrev[p] = 0;
      } else if (order[e] !== lastOrder[p] || (order[e] === -1 && t !== lastTs[p])) {
        occasions[p]!++;
        gapSum[p]! += (t - lastTs[p]!) / DAY_MS;
        gapCount[p]!++;
        lastTs[p] = t;
        lastOrder[p] = order[e]!;
      }
      if (t >= windowStart) inWindow[p] = 1;
      if (t >= shortStart) inShort[p] = 1;
      if (t >= prevStart && t < windowStart) inPrev[p] = 1;
    }
    const seg = s.customers.segment[c]!;
    for (const p of touched) {
      buyersTotal[p]!++;
      if (occasions[p]! >= 2) repeatBuyers[p]!++;
      if (inWindow[p]) {
        buyersWindow[p]!++;
        segBuyers.increment(seg, p);
      }
      if (inShort[p]) buyersShort[p]!++;
      if (inPrev[p]) buyersPrevWindow[p]!++;
    }
  }

  const repeatRate = new Float32Array(nP);
  const meanGapDays = new Float32Array(nP);
  const returnRate = new Float32Array(nP);
  for (let p = 0; p < nP; p++) {
    repeatRate[p] = buyersTotal[p]! > 0 ? repeatBuyers[p]! / buyersTotal[p]! : 0;
    meanGapDays[p] = gapCount[p]! > 0 ? gapSum[p]! / gapCount[p]! : NaN;
    returnRate[p] =
      purchases[p]! >= config.returns.minPurchasesForRate ? Math.min(1, returns[p]! / purchases[p]!) : 0;
  }

  const available = s.products.available;
  const rankBy = (score: (p: number) => number, keep: (p: number) => boolean): Int32Array => {
    const list: number[] = [];
    for (let p = 0; p < nP; p++) if (available[p] && keep(p)) list.push(p);
    list.sort((a, b) => score(b) - score(a) || popularityDecayed[b]! - popularityDecayed[a]! || a - b);
    return Int32Array.from(list.slice(0, POPULAR_LIST));
  };
  const popular = rankBy(
    (p) => buyersWindow[p]!,
    (p) => buyersWindow[p]! > 0 || popularityDecayed[p]! > 0,
  );
  const shortShare = config.trendingWindowDays / config.popularityWindowDays;
  const trending = rankBy(
    (p) => (buyersShort[p]! + 1) / (buyersWindow[p]! * shortShare + 1),
    (p) => buyersShort[p]! >= TRENDING_MIN_BUYERS,
  );
  const { aux: _segAux, ...bySegment } = csrTopK(nS, POPULAR_LIST, (seg, push) => {
    segBuyers.forEach(seg, (p, n) => {
      if (n > 0 && available[p]) push(p, n);
    });
  });
  const categoryMembers: number[][] = s.products.categoryNames.map(() => []);
  for (let p = 0; p < nP; p++) {
    const cat = s.products.category[p]!;
    if (cat >= 0 && available[p] && popularityDecayed[p]! > 0) categoryMembers[cat]!.push(p);
  }
  const { aux: _catAux, ...byCategory } = csrTopK(categoryMembers.length, PER_CATEGORY, (cat, push) => {
    for (const p of categoryMembers[cat]!) push(p, popularityDecayed[p]!);
  });

  return {
    asOf,
    buyersWindow,
    buyersShort,
    buyersPrevWindow,
    popularityDecayed,
    buyersTotal,
    repeatRate,
    meanGapDays,
    returnRate,
    firstSeen,
    popular,
    trending,
    bySegment,
    byCategory,
  };
}

export const encodeItemStats = (a: ItemStats): Uint8Array => encodeArtifact(KIND, VERSION, a);
export const decodeItemStats = (b: Uint8Array): ItemStats => decodeArtifact<ItemStats>(KIND, VERSION, b);

/** Segments × products cells up to which per-segment counts are dense arrays (16 MB of Float32). */
export const DENSE_SEGMENT_CELLS = 1 << 22;

/**
 * Counts per (segment, product): a dense array per segment while segments × products is small
 * (the fast path), a map per segment of the products it has past that, so memory follows what the
 * segments bought, not segments × catalogue. Both visit a segment's products in ascending order.
 */
export class SegmentCounts {
  private readonly dense = new Map<number, Float32Array>();
  private readonly sparse = new Map<number, Map<number, number>>();
  private readonly isDense: boolean;

  constructor(
    segments: number,
    private readonly products: number,
    denseCells = DENSE_SEGMENT_CELLS,
  ) {
    this.isDense = segments * products <= denseCells;
  }

  increment(segment: number, product: number): void {
    if (this.isDense) {
      let d = this.dense.get(segment);
      if (!d) this.dense.set(segment, (d = new Float32Array(this.products)));
      d[product]!++;
    } else {
      let m = this.sparse.get(segment);
      if (!m) this.sparse.set(segment, (m = new Map<number, number>()));
      m.set(product, Math.fround((m.get(product) ?? 0) + 1));
    }
  }

  /** Each product the segment counted, in ascending product order, with its count. */
  forEach(segment: number, visit: (product: number, count: number) => void): void {
    const d = this.dense.get(segment);
    if (d) {
      for (let p = 0; p < d.length; p++) if (d[p]! !== 0) visit(p, d[p]!);
      return;
    }
    const m = this.sparse.get(segment);
    if (!m) return;
    for (const p of [...m.keys()].sort((a, b) => a - b)) visit(p, m.get(p)!);
  }
}
