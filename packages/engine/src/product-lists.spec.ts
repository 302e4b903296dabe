import { resolveConfig } from './config';
import type { Csr } from './csr';
import { buildFeatureArtifacts } from './features/artifacts';
import {
  encodeList,
  encodeSingleReasonList,
  ListDictionary,
  singleReasonColumns,
  type CatalogNames,
} from './compact-list';
import {
  boughtTogether,
  SIMILAR_ATTRIBUTE_WEIGHT,
  SIMILAR_BY_ATTRIBUTES,
  similarByAttributesOnly,
  similarProducts,
} from './product-lists';
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

describe('similar lists of attribute neighbours alone, written as columns', () => {
  const nP = snapshot.products.ids.length;
  const ids = snapshot.products.ids;
  const category = (p: number) => {
    const c = snapshot.products.category[p] ?? -1;
    return c >= 0 ? (snapshot.products.categoryNames[c] ?? null) : null;
  };
  const index = new Map(ids.map((id, p) => [id, p]));
  const names: CatalogNames = {
    name: (id) => snapshot.products.name[index.get(id) ?? -1] || null,
    category: (id) => (index.has(id) ? category(index.get(id)!) : null),
    viaName: (id) => snapshot.products.name[index.get(id) ?? -1] || id,
  };
  const dictionary = new ListDictionary(ids);
  const round = (v: number, scale = 1e6) => Math.round(v * scale) / scale;
  /** Rows of up to 60 entries, some empty, some in list order, some not, with ties. */
  const randomCsr = (next: () => number, emptyShare: number) => {
    const offsets = new Int32Array(nP + 1);
    const cols: number[] = [];
    const vals: number[] = [];
    for (let r = 0; r < nP; r++) {
      const n = next() < emptyShare ? 0 : Math.floor(next() * 60);
      const row = [...new Set(Array.from({ length: n }, () => Math.floor(next() * nP)))].map((c) => ({
        c,
        v: Math.fround(next() < 0.3 ? Math.ceil(next() * 4) / 4 : next()),
      }));
      if (next() < 0.8) row.sort((a, b) => b.v - a.v || a.c - b.c);
      for (const { c, v } of row) {
        cols.push(c);
        vals.push(v);
      }
      offsets[r + 1] = cols.length;
    }
    return { offsets, cols: Int32Array.from(cols), vals: Float32Array.from(vals) };
  };

  it('gives the numbers similarProducts gives, and packs to the bytes of its stored items', () => {
    const next = prng(11);
    let columnsWritten = 0;
    for (let round_ = 0; round_ < 10; round_++) {
      const a = {
        graphs: { ...artifacts.graphs, collaborative: randomCsr(next, 0.8) },
        attributes: { similar: randomCsr(next, 0.1) },
      };
      for (let p = 0; p < nP; p++) {
        const limit = 1 + (p % 50);
        const columns = singleReasonColumns(limit);
        const items = similarProducts(snapshot, a, p, limit);
        if (!similarByAttributesOnly(snapshot, a, p, limit, columns)) {
          expect(
            a.graphs.collaborative.offsets[p + 1]! > a.graphs.collaborative.offsets[p]! || items.length > 1,
          ).toBe(true);
          continue;
        }
        columnsWritten++;
        expect(columns.count).toBe(items.length);
        for (let i = 0; i < items.length; i++) {
          const item = items[i]!;
          expect(item.strategy).toBe(SIMILAR_BY_ATTRIBUTES.strategy);
          expect(item.reasons).toHaveLength(1);
          expect(item.reasons[0]!.feature).toBe(SIMILAR_BY_ATTRIBUTES.feature);
          expect(item.reasons[0]!.text).toBe(SIMILAR_BY_ATTRIBUTES.text);
          expect([columns.product[i], columns.score[i], columns.value[i], columns.share[i]]).toEqual([
            item.product,
            item.score,
            item.reasons[0]!.value,
            item.reasons[0]!.attribution,
          ]);
        }
        if (!items.length) continue;
        // Stored as the rebuild stores items: rounded, named and categorised from the catalogue.
        const stored = items.map((item, i) => ({
          product_id: item.productId,
          name: snapshot.products.name[item.product] || null,
          category: category(item.product),
          score: round(item.score),
          rank: i + 1,
          strategy: item.strategy,
          reasons: item.reasons.map((r) => ({
            feature: r.feature,
            value: round(r.value, 1e3),
            attribution: round(r.attribution, 1e4),
            text: r.text,
          })),
        }));
        for (let i = 0; i < columns.count; i++) {
          columns.score[i] = round(columns.score[i]!);
          columns.value[i] = round(columns.value[i]!, 1e3);
          columns.share[i] = round(columns.share[i]!, 1e4);
        }
        const by = SIMILAR_BY_ATTRIBUTES;
        expect(
          encodeSingleReasonList(columns, by.strategy, by.feature, by.text, ids, category, names).equals(
            encodeList({ items: stored }, names, dictionary),
          ),
        ).toBe(true);
      }
    }
    expect(columnsWritten).toBeGreaterThan(nP * 5);
  });

  it('names products by index only with a dictionary of the same ids, each once', () => {
    expect(new ListDictionary(ids).indexesSnapshot(ids)).toBe(true);
    expect(new ListDictionary([...ids]).indexesSnapshot(ids)).toBe(true);
    expect(new ListDictionary(ids.slice(1)).indexesSnapshot(ids)).toBe(false);
    const twice = [...ids.slice(0, -1), ids[0]!];
    expect(new ListDictionary(twice).indexesSnapshot(twice)).toBe(false);
  });
});
