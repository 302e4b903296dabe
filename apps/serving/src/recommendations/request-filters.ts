import type { RankedItem } from '@nextbuy/contracts';
import type { RecommendationType } from './recommendations.query';

export interface RequestFilters {
  limit: number;
  type: RecommendationType;
  category?: string;
  /** Product ids never to show (already in the cart, on the page, …). */
  exclude: readonly string[];
  /** The product being viewed: never recommended to itself. */
  productId?: string;
}

/**
 * Request-time shaping of stored lists: `first` (what is bought with the viewed product) goes ahead
 * of `rest`, a product appears once (its first occurrence that passes the filters), filters apply, and the survivors
 * are cut to `limit` and re-ranked 1..n. Stored scores are kept as they are, so after blending they
 * need not fall with the rank. Inputs are never mutated (they may be shared cache values).
 */
export function shapeList(
  rest: readonly RankedItem[],
  filters: RequestFilters,
  first: readonly RankedItem[] = [],
): RankedItem[] {
  const drop = new Set(filters.exclude);
  if (filters.productId !== undefined) drop.add(filters.productId);
  const out: RankedItem[] = [];
  for (const item of [...first, ...rest]) {
    if (out.length >= filters.limit) break;
    if (drop.has(item.product_id)) continue;
    if (filters.type !== 'all' && item.strategy !== filters.type) continue;
    if (filters.category !== undefined && item.category !== filters.category) continue;
    drop.add(item.product_id);
    out.push(withRank(item, out.length + 1));
  }
  return out;
}

/** The first `limit` items of a stored list, ranked 1..n. */
export function firstItems(items: readonly RankedItem[], limit: number): RankedItem[] {
  return items.slice(0, limit).map((item, i) => withRank(item, i + 1));
}

/** A copy with its rank in this answer, fields in SPEC order (stored jsonb keeps its own key order). */
function withRank(item: RankedItem, rank: number): RankedItem {
  return {
    product_id: item.product_id,
    name: item.name,
    category: item.category,
    score: item.score,
    rank,
    strategy: item.strategy,
    reasons: item.reasons,
  };
}
