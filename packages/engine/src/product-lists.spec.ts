import { resolveConfig } from './config';
import type { Csr } from './csr';
import { buildFeatureArtifacts } from './features/artifacts';
import { boughtTogether, SIMILAR_ATTRIBUTE_WEIGHT, similarProducts } from './product-lists';
import { prng } from './random';
import { syntheticShop } from './__fixtures__/synthetic';

const snapshot = syntheticShop();
const artifacts = buildFeatureArtifacts(snapshot, resolveConfig());

describe('product lists', () => {
  it('similar and bought-together lists are available products with reasons summing to 1', () => {
    const p = snapshot.products.ids.indexOf('p5');
    for (const list of [
      similarProducts(snapshot, artifacts, p, 10),
      boughtTogether(snapshot, artifacts, p, 10),
    ]) {
      expect(list.length).toBeGreaterThan(0);
      for (const item of list) {
        expect(item.product).not.toBe(p);
        expect(snapshot.products.available[item.product]).toBe(1);
        expect(item.reasons.reduce((s, r) => s + r.attribution, 0)).toBeCloseTo(1, 9);
      }
      const scores = list.map((i) => i.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    }
  });
});

describe('product lists blend their sources as evidence summed per product', () => {
  const nP = snapshot.products.ids.length;
  /** Random rows: distinct columns, some rows ordered best first (as graphs store them), some not. */
  const randomCsr = (next: () => number, rows: number): { graph: Csr; support: Float32Array } => {
    const offsets = new Int32Array(rows + 1);
    const cols: number[] = [];
    const vals: number[] = [];
    for (let r = 0; r < rows; r++) {
      const n = Math.floor(next() * 8);
      const row = [...new Set(Array.from({ length: n }, () => Math.floor(next() * nP)))].map((c) => ({
        c,
        // Few distinct values: ties, broken by product.
        v: Math.fround(Math.ceil(next() * 4) / 4),
      }));
      if (next() < 0.5) row.sort((a, b) => b.v - a.v || a.c - b.c);
      for (const { c, v } of row) {
        cols.push(c);
        vals.push(v);
      }
      offsets[r + 1] = cols.length;
    }
    return {
      graph: { offsets, cols: Int32Array.from(cols), vals: Float32Array.from(vals) },
      support: Float32Array.from(vals, () => Math.floor(next() * 5)),
    };
  };
  /** The definition: sum each product's weighted evidence, best first, ties by product. */
  const reference = (p: number, limit: number, sources: { g: Csr; w: number; support?: Float32Array }[]) => {
    const parts = new Map<number, { score: number; by: { i: number; v: number; n: number }[] }>();
    sources.forEach(({ g, w, support }, i) => {
      for (let k = g.offsets[p]!; k < g.offsets[p + 1]!; k++) {
        const q = g.cols[k]!;
        if (q === p || !snapshot.products.available[q]) continue;
        const e = parts.get(q) ?? { score: 0, by: [] };
        e.score += w * g.vals[k]!;
        e.by.push({ i, v: w * g.vals[k]!, n: support?.[k] ?? 0 });
        parts.set(q, e);
      }
    });
    return [...parts.entries()]
      .sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
      .slice(0, limit)
      .map(([q, e]) => ({
        product: q,
        score: e.score,
        reasons: [...e.by]
          .sort((a, b) => b.v - a.v)
          .map(({ i, v, n }) => ({ i, value: n || v, attribution: v / e.score })),
      }));
  };
  const shape = (items: ReturnType<typeof similarProducts>, features: string[]) =>
    items.map((item) => ({
      product: item.product,
      score: item.score,
      reasons: item.reasons.map((r) => ({
        i: features.indexOf(r.feature),
        value: r.value,
        attribution: r.attribution,
      })),
    }));

  it('matches the definition on random graphs (overlapping sources, unordered rows, ties)', () => {
    const next = prng(7);
    for (let round = 0; round < 20; round++) {
      const collaborative = randomCsr(next, nP);
      const attributes = randomCsr(next, nP);
      const together = randomCsr(next, nP);
      const after = randomCsr(next, nP);
      const a = {
        graphs: {
          ...artifacts.graphs,
          collaborative: collaborative.graph,
          collaborativeSupport: collaborative.support,
          together: together.graph,
          togetherSupport: together.support,
          after: after.graph,
          afterSupport: after.support,
        },
        attributes: { similar: attributes.graph },
      };
      for (let p = 0; p < nP; p++) {
        const limit = 1 + (p % 6);
        expect(
          shape(similarProducts(snapshot, a, p, limit), ['collaborative', 'attribute_similarity']),
        ).toEqual(
          reference(p, limit, [
            { g: collaborative.graph, w: 1, support: collaborative.support },
            { g: attributes.graph, w: SIMILAR_ATTRIBUTE_WEIGHT },
          ]),
        );
        expect(shape(boughtTogether(snapshot, a, p, limit), ['together', 'after'])).toEqual(
          reference(p, limit, [
            { g: together.graph, w: 1, support: together.support },
            { g: after.graph, w: 1, support: after.support },
          ]),
        );
      }
    }
  });
});
