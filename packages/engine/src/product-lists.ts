/**
 * Per-product lists for the SPEC endpoints: "similar" (customers who bought it also bought — the
 * collaborative graph — blended with attribute similarity, so new products have neighbours too) and
 * "bought together" (same order first, then bought after). Available products only, best first.
 */

import type { FeatureArtifacts } from './candidates';
import type { SingleReasonColumns } from './compact-list';
import type { Csr } from './csr';
import type { Reason } from './explain';
import type { Snapshot } from './snapshot';
import type { Strategy } from './strategies/types';

/** What the per-product lists read: item graphs and the attribute graph only. */
export type ProductListInputs = Pick<FeatureArtifacts, 'graphs' | 'attributes'>;

export interface ProductListItem {
  product: number;
  productId: string;
  score: number;
  strategy: Strategy;
  reasons: Reason[];
}

/** Weight of attribute similarity against the collaborative graph in "similar" (behaviour first). */
export const SIMILAR_ATTRIBUTE_WEIGHT = 0.5;

interface Source {
  graph: Csr;
  weight: number;
  support?: Float32Array;
  strategy: Strategy;
  feature: string;
  text: (n: number) => string;
}

/** One source's evidence for an item: its weighted value and the link's support. */
interface Part {
  i: number;
  v: number;
  n: number;
}

/**
 * Sums weighted evidence per product; each item's reasons are its sources' shares of its score.
 * Most products have one source of evidence (a 100k-product catalogue's similar lists are nearly
 * all attribute neighbours alone), whose row comes ordered already: it is only sorted when it is not.
 */
function blend(s: Snapshot, p: number, limit: number, sources: Source[]): ProductListItem[] {
  const qs: number[] = [];
  const scores: number[] = [];
  const parts: Part[][] = [];
  let at: Map<number, number> | undefined;
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i]!;
    const g = src.graph;
    if (p < 0 || p >= g.offsets.length - 1) continue;
    const from = g.offsets[p]!;
    const to = g.offsets[p + 1]!;
    if (from === to) continue;
    // A product already met in an earlier source's row adds to its entry.
    if (qs.length && !at) at = new Map(qs.map((q, e) => [q, e]));
    for (let k = from; k < to; k++) {
      const q = g.cols[k]!;
      if (q === p || !s.products.available[q]) continue;
      const v = src.weight * g.vals[k]!;
      const part = { i, v, n: src.support?.[k] ?? 0 };
      const e = at?.get(q);
      if (e === undefined) {
        at?.set(q, qs.length);
        qs.push(q);
        scores.push(0 + v);
        parts.push([part]);
      } else {
        scores[e]! += v;
        parts[e]!.push(part);
      }
    }
  }
  const better = (a: number, b: number) => scores[b]! - scores[a]! || qs[a]! - qs[b]!;
  let order = Array.from(qs.keys());
  if (order.some((e) => e > 0 && better(e - 1, e) > 0)) order.sort(better);
  order = order.slice(0, limit);
  return order.map((e) => {
    const by = parts[e]!;
    const score = scores[e]!;
    by.sort((a, b) => b.v - a.v);
    const top = sources[by[0]!.i]!;
    return {
      product: qs[e]!,
      productId: s.products.ids[qs[e]!]!,
      score,
      strategy: top.strategy,
      reasons: by.map(({ i, v, n }) => ({
        feature: sources[i]!.feature,
        value: n || v,
        attribution: v / score,
        text: sources[i]!.text(n),
      })),
    };
  });
}

/** How a "similar" item found by attribute similarity is told: its strategy, reason feature and text. */
export const SIMILAR_BY_ATTRIBUTES = {
  strategy: 'affinity_similar',
  feature: 'attribute_similarity',
  text: 'similar category, name, brand or price',
} as const satisfies { strategy: Strategy; feature: string; text: string };

export function similarProducts(
  s: Snapshot,
  a: ProductListInputs,
  product: number,
  limit: number,
): ProductListItem[] {
  return blend(s, product, limit, [
    {
      graph: a.graphs.collaborative,
      weight: 1,
      support: a.graphs.collaborativeSupport,
      strategy: 'collaborative',
      feature: 'collaborative',
      text: (n) => `${n} customers bought both`,
    },
    {
      graph: a.attributes.similar,
      weight: SIMILAR_ATTRIBUTE_WEIGHT,
      strategy: SIMILAR_BY_ATTRIBUTES.strategy,
      feature: SIMILAR_BY_ATTRIBUTES.feature,
      text: () => SIMILAR_BY_ATTRIBUTES.text,
    },
  ]);
}

/**
 * `similarProducts` of a product with no collaborative row (a 100k-product catalogue's are nearly
 * all such: 1,022 of 100k have one), as columns: each item's product, score, and its one reason's
 * value and share, unrounded, the very numbers `similarProducts` gives its items (told as
 * `SIMILAR_BY_ATTRIBUTES`). No item objects are made. `false` when the product has a collaborative
 * row or its attribute row is not in list order: `similarProducts` then makes the list.
 */
export function similarByAttributesOnly(
  s: Snapshot,
  a: ProductListInputs,
  p: number,
  limit: number,
  out: SingleReasonColumns,
): boolean {
  out.count = 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > out.product.length) return false;
  const c = a.graphs.collaborative;
  if (p >= 0 && p < c.offsets.length - 1 && c.offsets[p]! < c.offsets[p + 1]!) return false;
  const g = a.attributes.similar;
  if (p < 0 || p >= g.offsets.length - 1) return true;
  const to = g.offsets[p + 1]!;
  const available = s.products.available;
  // As `blend` reads one source's row: each kept entry is an item of its own; the row must already
  // be in list order (score down, then product up), else `blend` sorts it.
  let n = 0;
  let lastScore = 0;
  let lastQ = 0;
  for (let k = g.offsets[p]!; k < to; k++) {
    const q = g.cols[k]!;
    if (q === p || !available[q]) continue;
    const v = SIMILAR_ATTRIBUTE_WEIGHT * g.vals[k]!;
    const score = 0 + v;
    if (n > 0 && (score - lastScore || lastQ - q) > 0) return false;
    if (n < limit) {
      out.product[n] = q;
      out.score[n] = score;
      out.value[n] = v;
      out.share[n] = v / score;
    }
    n++;
    lastScore = score;
    lastQ = q;
  }
  out.count = Math.min(n, limit);
  return true;
}

export function boughtTogether(
  s: Snapshot,
  a: ProductListInputs,
  product: number,
  limit: number,
): ProductListItem[] {
  return blend(s, product, limit, [
    {
      graph: a.graphs.together,
      weight: 1,
      support: a.graphs.togetherSupport,
      strategy: 'complementary',
      feature: 'together',
      text: (n) => `in the same order ${n} times`,
    },
    {
      graph: a.graphs.after,
      weight: 1,
      support: a.graphs.afterSupport,
      strategy: 'complementary',
      feature: 'after',
      text: (n) => `${n} customers bought it next`,
    },
  ]);
}
