import type { Csr } from '../csr';
import type { CustomerProfile } from '../profile';
import type { Candidate, ScoreAccumulator } from './types';

/** Own items used as seeds of the graph strategies: the strongest, to bound cost per customer. */
export const MAX_SEEDS = 100;

/** Membership test of the customer's own items (callers with a scratch array pass a faster one). */
export function ownItems(profile: CustomerProfile): (p: number) => boolean {
  const own = new Set(profile.items);
  return (p) => own.has(p);
}

/** Indices (into profile.items) of the `max` items with the largest positive `weight`. */
export function seedItems(weight: Float32Array, max: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < weight.length; i++) if (weight[i]! > 0) idx.push(i);
  idx.sort((a, b) => weight[b]! - weight[a]! || a - b);
  if (idx.length > max) idx.length = max;
  return idx;
}

/** Σ over seeds of seedWeight × graph(seed, p) into `acc` (via = the seed contributing most). */
export function spread(
  graph: Csr,
  seeds: ArrayLike<number>,
  weights: ArrayLike<number>,
  acc: ScoreAccumulator,
): void {
  for (let i = 0; i < seeds.length; i++) {
    const a = seeds[i]!;
    const w = weights[i]!;
    for (let k = graph.offsets[a]!; k < graph.offsets[a + 1]!; k++)
      acc.add(graph.cols[k]!, w * graph.vals[k]!, a);
  }
}

/**
 * Collaborative: item-to-item neighbours (customers who bought X also bought Y) of the customer's
 * own purchases, weighted by how recently and often each was bought. Own items are not proposed here
 * (that is repurchase), but `acc` keeps their scores for the ranker.
 */
export function collaborativeCandidates(
  profile: CustomerProfile,
  graph: Csr,
  acc: ScoreAccumulator,
  limit: number,
  isOwn: (p: number) => boolean = ownItems(profile),
): Candidate[] {
  const seeds = seedItems(profile.repurchase, MAX_SEEDS);
  spread(
    graph,
    seeds.map((i) => profile.items[i]!),
    seeds.map((i) => profile.repurchase[i]!),
    acc,
  );
  return acc.top(limit, isOwn);
}

/**
 * Similar customers: what the customer's nearest customers (by basket similarity) bought lately,
 * Σ similarity × recency. `via` is not a product here, so it is left at -1; `acc.count` holds how
 * many neighbours bought each product (the reason's number).
 */
export function similarCustomersCandidates(
  customer: number,
  neighbours: Csr,
  recent: Csr,
  acc: ScoreAccumulator,
  limit: number,
  isOwn: (p: number) => boolean,
): Candidate[] {
  if (customer >= neighbours.offsets.length - 1) return [];
  for (let k = neighbours.offsets[customer]!; k < neighbours.offsets[customer + 1]!; k++) {
    const v = neighbours.cols[k]!;
    const sim = neighbours.vals[k]!;
    for (let j = recent.offsets[v]!; j < recent.offsets[v + 1]!; j++)
      acc.add(recent.cols[j]!, sim * recent.vals[j]!);
  }
  return acc.top(limit, isOwn);
}
