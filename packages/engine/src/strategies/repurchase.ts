import type { CustomerProfile } from '../profile';
import { topCandidates, type Candidate } from './types';

/**
 * Repurchase: the customer's own purchases, recency-decayed frequency (returns already demoted in the
 * profile). A wholesaler re-orders the same items, so this is the strongest single signal.
 */
export function repurchaseCandidates(profile: CustomerProfile, limit: number): Candidate[] {
  const out: Candidate[] = [];
  for (let i = 0; i < profile.items.length; i++) {
    const score = profile.repurchase[i]!;
    if (score > 0) out.push({ product: profile.items[i]!, score, via: -1 });
  }
  return topCandidates(out, limit);
}
