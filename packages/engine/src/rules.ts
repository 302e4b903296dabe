/** Business rules applied to a ranked list: availability, exclusions, duplicates, category cap. */

import type { ProductDictionary } from './snapshot';

export interface RuleOptions {
  /** Items to keep. */
  limit: number;
  /** Products never to show (request-time exclusions, e.g. already in the cart). */
  exclude?: ReadonlySet<number>;
  /** Max share of one category in the list (1 or undefined = no cap). */
  maxCategoryShare?: number;
}

/**
 * Filters a best-first list: unavailable and excluded products never appear, each product once,
 * and no category takes more than its share of `limit` slots (at least one).
 */
export function applyRules<T extends { product: number }>(
  ranked: readonly T[],
  products: ProductDictionary,
  options: RuleOptions,
): T[] {
  const share = options.maxCategoryShare ?? 1;
  const perCategory = share >= 1 ? Infinity : Math.max(1, Math.floor(share * options.limit));
  const used = new Map<number, number>();
  const seen = new Set<number>();
  const out: T[] = [];
  for (const item of ranked) {
    if (out.length >= options.limit) break;
    const p = item.product;
    if (seen.has(p) || !products.available[p] || options.exclude?.has(p)) continue;
    const cat = products.category[p] ?? -1;
    if (cat >= 0 && (used.get(cat) ?? 0) >= perCategory) continue;
    seen.add(p);
    if (cat >= 0) used.set(cat, (used.get(cat) ?? 0) + 1);
    out.push(item);
  }
  return out;
}
