import type { ListItem } from '@nextbuy/server';
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
 * are cut to `limit`, in answer order (an answer ranks them 1..n). Stored scores are kept as they are, so after
 * blending they need not fall with the rank. Inputs are never mutated (they may be shared cache values).
 */
export function shapeList<T extends ListItem>(
  rest: Iterable<T>,
  filters: RequestFilters,
  first: Iterable<T> = [],
): T[] {
  const drop = new Set(filters.exclude);
  if (filters.productId !== undefined) drop.add(filters.productId);
  const out: T[] = [];
  // No spread of the two lists: a cached list reads its items as they are reached, so stopping at
  // `limit` leaves the rest unread.
  for (const list of [first, rest]) {
    for (const item of list) {
      if (out.length >= filters.limit) return out;
      if (drop.has(item.product_id)) continue;
      if (filters.type !== 'all' && item.strategy !== filters.type) continue;
      if (filters.category !== undefined && item.category !== filters.category) continue;
      drop.add(item.product_id);
      out.push(item);
    }
  }
  return out;
}

/** The first `limit` items of a stored list. */
export function firstItems<T>(items: Iterable<T>, limit: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= limit) break;
    out.push(item);
  }
  return out;
}
