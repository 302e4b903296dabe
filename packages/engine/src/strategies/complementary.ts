import { DAY_MS } from '../config';
import type { Csr } from '../csr';
import type { CustomerProfile } from '../profile';
import { ownItems, spread } from './collaborative';
import { topCandidates, type Candidate, type ScoreAccumulator } from './types';

/**
 * Complementary: products bought in the same order as the customer's recent baskets ("often bought
 * with X"), and products bought after what the customer bought within the sequence window. Both
 * accumulators keep their scores for the ranker; the candidate score is their sum.
 */
export function complementaryCandidates(
  profile: CustomerProfile,
  together: Csr,
  after: Csr,
  asOf: number,
  sequenceWindowDays: number,
  accTogether: ScoreAccumulator,
  accAfter: ScoreAccumulator,
  limit: number,
  isOwn: (p: number) => boolean = ownItems(profile),
): Candidate[] {
  spread(together, profile.recentItems, profile.recentWeights, accTogether);
  const from = asOf - sequenceWindowDays * DAY_MS;
  const seeds: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < profile.items.length; i++) {
    const t = profile.lastPurchase[i]!;
    if (t >= from) {
      seeds.push(profile.items[i]!);
      weights.push(1 - (asOf - t) / (asOf - from));
    }
  }
  spread(after, seeds, weights, accAfter);
  const merged = new Map<number, Candidate>();
  for (const acc of [accTogether, accAfter]) {
    for (const p of acc.touched) {
      if (isOwn(p)) continue;
      const s = acc.score[p]!;
      const prev = merged.get(p);
      if (prev) prev.score += s;
      else merged.set(p, { product: p, score: s, via: acc.via[p]! });
    }
  }
  return topCandidates(
    [...merged.values()].filter((c) => c.score > 0),
    limit,
  );
}
