import { DEFAULT_ENGINE_CONFIG } from '../config';
import { csrGet } from '../csr';
import { prng } from '../random';
import { buildSnapshot } from '../snapshot';
import { topKIndices } from '../topk';
import { buildAttributeGraph, productTokenVectors, searchVectors } from './attributes';

describe('buildAttributeGraph', () => {
  const s = buildSnapshot({
    products: [
      { product_id: 'mug-red', name: 'Red spotty mug', category: 'MUG', price: 2.5 },
      { product_id: 'mug-blue', name: 'Blue spotty mug', category: 'MUG', price: 2.6 },
      { product_id: 'mug-big', name: 'Large plain mug', category: 'MUG', price: 9 },
      { product_id: 'candle', name: 'Red candle', category: 'CANDLE', price: 2.5 },
      {
        product_id: 'new-mug',
        name: 'Spotty mug',
        category: 'MUG',
        price: 2.4,
        attributes: { colour: 'red' },
      },
    ],
    events: [],
  });
  const g = buildAttributeGraph(s, DEFAULT_ENGINE_CONFIG).similar;

  it('ranks same category, shared name words and price band highest', () => {
    const row = Array.from(g.cols.subarray(g.offsets[0], g.offsets[1])).map((p) => s.products.ids[p]);
    expect(row[0]).toBe('new-mug');
    expect(row.indexOf('mug-blue')).toBeLessThan(row.indexOf('mug-big'));
    expect(csrGet(g, 0, 1)).toBeGreaterThan(csrGet(g, 0, 3));
  });

  it('is symmetric cosine in (0, 1]', () => {
    expect(csrGet(g, 0, 1)).toBeCloseTo(csrGet(g, 1, 0), 6);
    for (const v of g.vals) expect(v).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('links a product without any sales (cold start)', () => {
    expect(csrGet(g, 4, 0)).toBeGreaterThan(0);
  });
});

describe('buildAttributeGraph on a catalogue with a token too common to propose', () => {
  // 1,500 products: one category holds 1,200 of them (past the 1,000 a proposing token may hold).
  const next = prng(11);
  const brands = ['Acme', 'Bolt', 'Cora', 'Dune', 'Eon'];
  const words = ['lamp', 'mug', 'vase', 'rug', 'clock', 'jar', 'bowl', 'tray'];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const s = buildSnapshot({
    products: Array.from({ length: 1500 }, (_, i) => {
      // A brand also in the name: two tokens held by the same products.
      const brand = next() < 0.8 ? pick(brands) : undefined;
      return {
        product_id: `p${i}`,
        name: `${brand ?? ''} ${pick(words)} ${pick(words)} ${i}`,
        category: i < 1200 ? 'HOME' : pick(['GARDEN', 'KITCHEN']),
        brand,
        price: Math.round(next() * 5000) / 100,
        attributes: next() < 0.3 ? { colour: pick(['red', 'blue']) } : undefined,
      };
    }),
    events: [],
  });
  const config = DEFAULT_ENGINE_CONFIG;

  /** The definition, over the full vectors: cosine in token order, candidates from selective tokens. */
  function reference() {
    const v = productTokenVectors(s, config);
    const nP = s.products.ids.length;
    const holders: number[][] = Array.from({ length: v.nTokens }, () => []);
    for (let p = 0; p < nP; p++)
      for (let k = v.offsets[p]!; k < v.offsets[p + 1]!; k++) holders[v.tokens[k]!]!.push(p);
    const weight = (p: number, t: number) => {
      for (let k = v.offsets[p]!; k < v.offsets[p + 1]!; k++) if (v.tokens[k] === t) return v.weights[k]!;
      return 0;
    };
    const offsets = [0];
    const cols: number[] = [];
    const vals: number[] = [];
    for (let a = 0; a < nP; a++) {
      const candidates = new Set<number>();
      for (let k = v.offsets[a]!; k < v.offsets[a + 1]!; k++) {
        const held = holders[v.tokens[k]!]!;
        if (held.length <= 1000) for (const b of held) if (b !== a) candidates.add(b);
      }
      const bs: number[] = [];
      const dots: number[] = [];
      for (const b of candidates) {
        let dot = 0;
        for (let k = v.offsets[b]!; k < v.offsets[b + 1]!; k++)
          dot += weight(a, v.tokens[k]!) * v.weights[k]!;
        if (dot > 0) {
          bs.push(b);
          dots.push(dot);
        }
      }
      for (const i of topKIndices(dots, bs, bs.length, config.attributes.neighbours)) {
        cols.push(bs[i]!);
        vals.push(dots[i]!);
      }
      offsets.push(cols.length);
    }
    return { offsets: Int32Array.from(offsets), cols: Int32Array.from(cols), vals: Float32Array.from(vals) };
  }

  it('is exactly the definition (same neighbours, same float32 cosines)', () => {
    const g = buildAttributeGraph(s, config).similar;
    const want = reference();
    expect(g.offsets).toEqual(want.offsets);
    expect(g.cols).toEqual(want.cols);
    expect(g.vals).toEqual(want.vals);
  });

  it('lays products out grouped, each exactly once, keeping only shared tokens in order', () => {
    const v = productTokenVectors(s, config);
    const nP = s.products.ids.length;
    const laid = searchVectors(v, nP);
    expect([...laid.product].sort((x, y) => x - y)).toEqual(Array.from({ length: nP }, (_, p) => p));
    for (let i = 0; i < nP; i++) {
      const p = laid.product[i]!;
      expect(laid.at[p]).toBe(i);
      const shared = [];
      for (let j = laid.offsets[i]!; j < laid.offsets[i + 1]!; j++) shared.push(laid.tokens[2 * j]!);
      expect(shared).toEqual([...shared].sort((x, y) => x - y));
      expect(shared.every((t) => laid.df[t]! > 1)).toBe(true);
    }
  });
});
