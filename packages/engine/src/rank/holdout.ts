/**
 * The model gate's holdout: a fixed slice of customers (by a salted hash of their id, the same in
 * every process, release and snapshot) whose outcomes no model ever trains on. The gate scores a new
 * model and the active one on their purchases of the last horizon before the new model's as-of —
 * customers neither model has seen as training rows — so the comparison is honest without giving up
 * the latest labels for everyone else.
 */

import { decodeArtifact, encodeArtifact } from '../codec';
import { evaluateLists } from '../metrics';
import { FEATURE_COUNT } from './features';
import { rankerScores, type RankerModel } from './ranker';

/** Customers outside the evaluation: guest checkouts have no identity to recommend to. */
export const GUEST_SEGMENT = 'guest';

/** FNV-1a: a stable 32-bit hash of a customer id, the same in every process and release. */
export function customerHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Whether a customer belongs to the holdout (`percent` of 100 hash buckets). Salted so the holdout
 * is not the same slice of customers as any rank shard (shards take the plain hash modulo a count).
 */
export function isHoldoutCustomer(id: string, percent: number): boolean {
  return percent > 0 && customerHash(`holdout:${id}`) % 100 < percent;
}

/**
 * Every candidate of the holdout customers who bought in a window's horizon (not only a sample, and
 * also customers none of whose purchases is among their candidates: they score 0 for any model).
 */
export interface HoldoutSet {
  /** Candidate rows, FEATURE_COUNT each, row-major; rows of one query contiguous. */
  x: Float32Array;
  /** Product index of each row (ties in score are broken by it, as the ranking does). */
  product: Int32Array;
  /** Query (customer) of each row. */
  query: Int32Array;
  /** Bought products of query q: bought[boughtOffsets[q] .. boughtOffsets[q + 1]) (also uncandidated ones). */
  boughtOffsets: Int32Array;
  bought: Int32Array;
  /** Catalogue size at the window's cut (coverage denominator). */
  catalog: number;
}

export interface HoldoutScore {
  /** Mean average precision at k over the holdout customers who bought. */
  map: number;
  recall: number;
  customers: number;
}

/** Scores a model on the holdout: each customer's candidates by the model's raw score, top k. */
export function scoreHoldout(model: RankerModel, h: HoldoutSet, k: number): HoldoutScore {
  const rows = h.product.length;
  const scores = new Float64Array(rows);
  if (rows > 0) rankerScores(model, h.x, rows, scores);
  const queries = h.boughtOffsets.length - 1;
  const lists = new Map<number, number[]>();
  const actual = new Map<number, Set<number>>();
  for (let q = 0; q < queries; q++) {
    actual.set(q, new Set(h.bought.subarray(h.boughtOffsets[q], h.boughtOffsets[q + 1])));
    lists.set(q, []);
  }
  let start = 0;
  while (start < rows) {
    const q = h.query[start]!;
    let end = start;
    while (end < rows && h.query[end] === q) end++;
    const order = Array.from({ length: end - start }, (_, i) => start + i);
    order.sort((a, b) => scores[b]! - scores[a]! || h.product[a]! - h.product[b]!);
    lists.set(
      q,
      order.slice(0, k).map((r) => h.product[r]!),
    );
    start = end;
  }
  const m = evaluateLists(lists, actual, k, h.catalog);
  return { map: m.map, recall: m.recall, customers: m.customers };
}

/** An empty holdout (no window, or no holdout customer bought in its horizon). */
export function emptyHoldout(catalog = 0): HoldoutSet {
  return {
    x: new Float32Array(0),
    product: new Int32Array(0),
    query: new Int32Array(0),
    boughtOffsets: new Int32Array(1),
    bought: new Int32Array(0),
    catalog,
  };
}

/** Collects the holdout rows of one training window (buildTrainingWindow fills it). */
export class HoldoutCollector {
  private readonly rows: Float32Array[] = [];
  private readonly products: number[] = [];
  private readonly queries: number[] = [];
  private readonly offsets: number[] = [0];
  private readonly boughtAll: number[] = [];

  constructor(private readonly catalog: number) {}

  add(candidates: Int32Array, features: Float32Array, bought: ReadonlySet<number>): void {
    const q = this.offsets.length - 1;
    for (let i = 0; i < candidates.length; i++) {
      this.rows.push(features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
      this.products.push(candidates[i]!);
      this.queries.push(q);
    }
    for (const p of bought) this.boughtAll.push(p);
    this.offsets.push(this.boughtAll.length);
  }

  finish(): HoldoutSet {
    const x = new Float32Array(this.rows.length * FEATURE_COUNT);
    this.rows.forEach((r, i) => x.set(r, i * FEATURE_COUNT));
    return {
      x,
      product: Int32Array.from(this.products),
      query: Int32Array.from(this.queries),
      boughtOffsets: Int32Array.from(this.offsets),
      bought: Int32Array.from(this.boughtAll),
      catalog: this.catalog,
    };
  }
}

const HOLDOUT_KIND = 'ranker-holdout';
export const encodeHoldout = (h: HoldoutSet): Uint8Array => encodeArtifact(HOLDOUT_KIND, 1, h);
export const decodeHoldout = (b: Uint8Array): HoldoutSet => decodeArtifact<HoldoutSet>(HOLDOUT_KIND, 1, b);
