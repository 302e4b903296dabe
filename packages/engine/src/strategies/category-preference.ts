import type { Csr } from '../csr';
import { topCandidates, type Candidate } from './types';

/**
 * Category preference: the best-selling products (decayed popularity) of the customer's top
 * categories; score = category share × product popularity relative to its category's best.
 */
export function categoryPreferenceCandidates(
  affinities: Csr,
  customer: number,
  byCategory: Csr,
  topCategories: number,
  limit: number,
): Candidate[] {
  const out: Candidate[] = [];
  const lo = affinities.offsets[customer]!;
  const hi = Math.min(affinities.offsets[customer + 1]!, lo + topCategories);
  for (let i = lo; i < hi; i++) {
    const cat = affinities.cols[i]!;
    const share = affinities.vals[i]!;
    const start = byCategory.offsets[cat]!;
    const end = byCategory.offsets[cat + 1]!;
    const best = end > start ? byCategory.vals[start]! : 0;
    for (let k = start; k < end; k++) {
      out.push({ product: byCategory.cols[k]!, score: (share * byCategory.vals[k]!) / best, via: -1 });
    }
  }
  return topCandidates(out, limit);
}
