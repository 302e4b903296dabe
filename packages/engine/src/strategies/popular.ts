import type { ItemStats } from '../features/item-stats';
import { topCandidates, type Candidate } from './types';

/**
 * Popular: distinct buyers in the last popularity window, from the customer's segment when the
 * segment's own list is long enough to fill the request, else global. The cold-start answer.
 */
export function popularCandidates(stats: ItemStats, segment: number, limit: number): Candidate[] {
  const { offsets, cols, vals } = stats.bySegment;
  const lo = segment >= 0 && segment < offsets.length - 1 ? offsets[segment]! : 0;
  const hi = segment >= 0 && segment < offsets.length - 1 ? offsets[segment + 1]! : 0;
  const out: Candidate[] = [];
  if (hi - lo >= limit) {
    for (let i = lo; i < hi; i++) out.push({ product: cols[i]!, score: vals[i]!, via: -1 });
  } else {
    for (const p of stats.popular) out.push({ product: p, score: stats.buyersWindow[p]!, via: -1 });
  }
  return topCandidates(out, limit);
}
