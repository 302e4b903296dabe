import type { Csr } from '../csr';
import type { CustomerProfile } from '../profile';
import { MAX_SEEDS, ownItems, seedItems, spread } from './collaborative';
import type { Candidate, ScoreAccumulator } from './types';

/**
 * Affinity-similar: products whose attributes (category, brand, price band, free attributes, name)
 * resemble what the customer likes, weighted by that affinity. It needs no sales of the proposed
 * product, so new products reach lists through it.
 */
export function affinitySimilarCandidates(
  profile: CustomerProfile,
  similar: Csr,
  acc: ScoreAccumulator,
  limit: number,
  isOwn: (p: number) => boolean = ownItems(profile),
): Candidate[] {
  const seeds = seedItems(profile.interest, MAX_SEEDS);
  spread(
    similar,
    seeds.map((i) => profile.items[i]!),
    seeds.map((i) => profile.interest[i]!),
    acc,
  );
  return acc.top(limit, isOwn);
}
