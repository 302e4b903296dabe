import { topKIndices } from '../topk';

/** The strategies that find candidates: the SPEC `strategy` / `type` values, defined once in contracts. */
export { STRATEGIES, type Strategy } from '@nextbuy/contracts';

/** A product proposed by one strategy: its score there, and the product that led to it (-1: none). */
export interface Candidate {
  product: number;
  score: number;
  via: number;
}

/** Sorts by score descending (ties: lower product index) and keeps `limit`. */
export function topCandidates(list: Candidate[], limit: number): Candidate[] {
  // Plain loops: TypedArray.from with a map function goes through the iterator protocol (measured
  // as nine tenths of this function's time).
  const n = list.length;
  const scores = new Float64Array(n);
  const keys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    scores[i] = list[i]!.score;
    keys[i] = list[i]!.product;
  }
  const top = topKIndices(scores, keys, n, limit);
  const out = new Array<Candidate>(top.length);
  for (let i = 0; i < top.length; i++) out[i] = list[top[i]!]!;
  return out;
}

/**
 * Accumulates scores over products into a dense scratch array, remembering which were touched, so
 * a strategy costs O(touched) per customer and the scratch is reused across customers.
 */
export class ScoreAccumulator {
  readonly score: Float64Array;
  /** Largest single contribution and the product that made it (the "via" of a reason). */
  readonly best: Float64Array;
  readonly via: Int32Array;
  /** Number of contributions (e.g. how many neighbours bought it). */
  readonly count: Float64Array;
  private readonly seen: Uint8Array;
  readonly touched: number[] = [];

  constructor(nProducts: number) {
    this.score = new Float64Array(nProducts);
    this.best = new Float64Array(nProducts);
    this.via = new Int32Array(nProducts).fill(-1);
    this.count = new Float64Array(nProducts);
    this.seen = new Uint8Array(nProducts);
  }

  add(product: number, value: number, via = -1): void {
    if (!this.seen[product]) {
      this.seen[product] = 1;
      this.touched.push(product);
    }
    this.score[product]! += value;
    this.count[product]!++;
    if (value > this.best[product]!) {
      this.best[product] = value;
      this.via[product] = via;
    }
  }

  /** Top `limit` touched products with a positive score, skipping `exclude` (e.g. own items). */
  top(limit: number, exclude?: (p: number) => boolean): Candidate[] {
    const keys = new Int32Array(this.touched.length);
    const scores = new Float64Array(this.touched.length);
    let n = 0;
    for (const p of this.touched) {
      const s = this.score[p]!;
      if (s > 0 && !(exclude && exclude(p))) {
        keys[n] = p;
        scores[n++] = s;
      }
    }
    return Array.from(topKIndices(scores, keys, n, limit), (i) => {
      const p = keys[i]!;
      return { product: p, score: scores[i]!, via: this.via[p]! };
    });
  }

  reset(): void {
    for (const p of this.touched) {
      this.score[p] = 0;
      this.best[p] = 0;
      this.via[p] = -1;
      this.count[p] = 0;
      this.seen[p] = 0;
    }
    this.touched.length = 0;
  }
}
