/**
 * Per-product lists for the SPEC endpoints: "similar" (customers who bought it also bought — the
 * collaborative graph — blended with attribute similarity, so new products have neighbours too) and
 * "bought together" (same order first, then bought after). Available products only, best first.
 */

import type { FeatureArtifacts } from './candidates';
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

function rows(g: Csr, p: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  if (p < 0 || p >= g.offsets.length - 1) return out;
  for (let k = g.offsets[p]!; k < g.offsets[p + 1]!; k++) out.push([g.cols[k]!, g.vals[k]!, k]);
  return out;
}

/** Sums weighted evidence per product; each item's reasons are its sources' shares of its score. */
function blend(
  s: Snapshot,
  p: number,
  limit: number,
  sources: {
    graph: Csr;
    weight: number;
    support?: Float32Array;
    strategy: Strategy;
    feature: string;
    text: (n: number) => string;
  }[],
): ProductListItem[] {
  const parts = new Map<number, { score: number; by: { i: number; v: number; n: number }[] }>();
  sources.forEach((src, i) => {
    for (const [q, v, k] of rows(src.graph, p)) {
      if (q === p || !s.products.available[q]) continue;
      const e = parts.get(q) ?? { score: 0, by: [] };
      e.score += src.weight * v;
      e.by.push({ i, v: src.weight * v, n: src.support?.[k] ?? 0 });
      parts.set(q, e);
    }
  });
  return [...parts.entries()]
    .sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
    .slice(0, limit)
    .map(([q, e]) => {
      e.by.sort((a, b) => b.v - a.v);
      const top = sources[e.by[0]!.i]!;
      return {
        product: q,
        productId: s.products.ids[q]!,
        score: e.score,
        strategy: top.strategy,
        reasons: e.by.map(({ i, v, n }) => ({
          feature: sources[i]!.feature,
          value: n || v,
          attribution: v / e.score,
          text: sources[i]!.text(n),
        })),
      };
    });
}

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
      strategy: 'affinity_similar',
      feature: 'attribute_similarity',
      text: () => 'similar category, name, brand or price',
    },
  ]);
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
