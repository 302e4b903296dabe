import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../config';
import { csrGet } from '../csr';
import { prng } from '../random';
import { buildSnapshot, type EventRow, type ProductRow, type Snapshot } from '../snapshot';
import { topKIndices } from '../topk';
import {
  attributeGraphInputs,
  buildAttributeGraph,
  buildAttributeGraphPart,
  decodeAttributeGraphPart,
  encodeAttributeGraph,
  encodeAttributeGraphPart,
  mergeAttributeGraphParts,
  productTokenVectors,
  searchVectors,
} from './attributes';

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

describe('attributeGraphInputs', () => {
  const products: ProductRow[] = [
    {
      product_id: 'mug-red',
      name: 'Red spotty mug',
      category: 'MUG',
      brand: 'Acme',
      price: 2.5,
      attributes: { wax: 'soy' },
    },
    {
      product_id: 'mug-blue',
      name: 'Blue spotty mug',
      category: 'MUG',
      brand: 'Acme',
      price: 2.6,
      attributes: {},
    },
    { product_id: 'candle', name: 'Red candle', category: 'CANDLE', price: 2.5, attributes: { wax: 'soy' } },
  ];
  const events: EventRow[] = [
    { customer_id: 'c1', product_id: 'mug-red', type: 'purchase', timestamp: '2026-01-02T10:00:00Z' },
  ];
  const digest = (ps: typeof products, config: EngineConfig = DEFAULT_ENGINE_CONFIG, es = events) =>
    attributeGraphInputs(buildSnapshot({ products: ps, events: es }), config).digest;

  it('names the graph: built from its vectors it is the graph, byte for byte', () => {
    const s = buildSnapshot({ products, events });
    const inputs = attributeGraphInputs(s, DEFAULT_ENGINE_CONFIG);
    expect(encodeAttributeGraph(buildAttributeGraph(s, DEFAULT_ENGINE_CONFIG, inputs.vectors))).toEqual(
      encodeAttributeGraph(buildAttributeGraph(s, DEFAULT_ENGINE_CONFIG)),
    );
    expect(inputs.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(digest(products)).toBe(inputs.digest);
  });

  it('stays the same for what the graph does not read: events, a price inside its band, names of categories', () => {
    const base = digest(products);
    expect(digest(products, DEFAULT_ENGINE_CONFIG, [])).toBe(base);
    expect(digest(products.map((p) => (p.product_id === 'mug-blue' ? { ...p, price: 2.7 } : p)))).toBe(base);
    expect(digest(products.map((p) => ({ ...p, category: `${p.category}-renamed` })))).toBe(base);
  });

  it('changes with what the graph reads: a category, a shared name word or attribute, a price band, a setting', () => {
    const base = digest(products);
    const changed = [
      digest(products.map((p) => (p.product_id === 'candle' ? { ...p, category: 'MUG' } : p))),
      digest(products.map((p) => (p.product_id === 'candle' ? { ...p, name: 'Red spotty candle' } : p))),
      digest(products.map((p) => (p.product_id === 'candle' ? { ...p, attributes: { wax: 'bee' } } : p))),
      digest(products.map((p) => (p.product_id === 'mug-blue' ? { ...p, price: 9 } : p))),
      digest(products, {
        ...DEFAULT_ENGINE_CONFIG,
        attributes: { ...DEFAULT_ENGINE_CONFIG.attributes, neighbours: 5 },
      }),
    ];
    for (const d of changed) expect(d).not.toBe(base);
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

describe('the attribute graph in parts', () => {
  /** A random catalogue: brands, categories and name words drawn from small sets, some tokens rare. */
  function catalogue(seed: number, n: number) {
    const next = prng(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    const brands = ['Acme', 'Bolt', 'Cora', 'Dune', 'Eon', 'Fay', 'Gil'];
    const words = ['lamp', 'mug', 'vase', 'rug', 'clock', 'jar', 'bowl', 'tray', 'red', 'tall'];
    return buildSnapshot({
      products: Array.from({ length: n }, (_, i) => ({
        product_id: `p${i}`,
        name: next() < 0.1 ? '' : `${pick(words)} ${pick(words)} x${Math.floor(next() * n)}`,
        category: next() < 0.1 ? undefined : pick(['HOME', 'GARDEN', 'KITCHEN', 'TOYS']),
        brand: next() < 0.6 ? pick(brands) : undefined,
        price: next() < 0.1 ? 0 : Math.round(next() * 5000) / 100,
        attributes: next() < 0.3 ? { colour: pick(['red', 'blue', 'green']) } : undefined,
      })),
      events: [],
    });
  }

  it.each([
    [1, 0, 1],
    [2, 1, 3],
    [3, 7, 2],
    [4, 60, 2],
    [5, 400, 3],
    [6, 1200, 5],
  ])(
    'merged, stored parts give the whole graph byte for byte (seed %i, %i products, %i parts)',
    (seed, n, parts) => {
      const s = catalogue(seed, n);
      const config = {
        ...DEFAULT_ENGINE_CONFIG,
        attributes: { ...DEFAULT_ENGINE_CONFIG.attributes, neighbours: 7 },
      };
      const whole = buildAttributeGraph(s, config);
      const stored = Array.from({ length: parts }, (_, part) =>
        encodeAttributeGraphPart(buildAttributeGraphPart(s, config, part, parts)),
      );
      // In any order, as their jobs finish.
      const merged = mergeAttributeGraphParts(stored.reverse().map(decodeAttributeGraphPart));
      expect(encodeAttributeGraph(merged)).toEqual(encodeAttributeGraph(whole));
      // Cut out of the whole graph (a process that built it already), each part is the same too.
      for (let part = 0; part < parts; part++)
        expect(encodeAttributeGraphPart(buildAttributeGraphPart(s, config, part, parts, whole))).toEqual(
          encodeAttributeGraphPart(buildAttributeGraphPart(s, config, part, parts)),
        );
    },
  );

  it('splits the rows by their work, not their number', () => {
    // Products 0..299 share one brand (300 candidates each), 300..1199 have tokens of their own.
    const s = buildSnapshot({
      products: Array.from({ length: 1200 }, (_, i) => ({
        product_id: `p${i}`,
        name: `item${i}`,
        brand: i < 300 ? 'Acme' : undefined,
      })),
      events: [],
    });
    const [first, second] = [0, 1].map((part) => buildAttributeGraphPart(s, DEFAULT_ENGINE_CONFIG, part, 2));
    // The brand's products (each a candidate of 299 others) in one part, whole; the rest in the other.
    expect([...first!.rowProducts].sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, p) => p));
    expect(second!.rowProducts.length).toBe(900);
  });

  it('refuses parts that do not cover the catalogue once', () => {
    const s = catalogue(9, 50);
    const parts = [0, 1, 2].map((part) => buildAttributeGraphPart(s, DEFAULT_ENGINE_CONFIG, part, 3));
    expect(() => mergeAttributeGraphParts([parts[0]!, parts[2]!])).toThrow(/does not fit/);
    expect(() => mergeAttributeGraphParts([parts[0]!, parts[1]!, parts[1]!])).toThrow(/does not fit/);
    expect(() => mergeAttributeGraphParts([])).toThrow(/no attribute graph parts/);
    const twice = {
      ...parts[2]!,
      rowProducts: parts[2]!.rowProducts.map((p, i) => (i === 0 ? parts[0]!.rowProducts[0]! : p)),
    };
    expect(() => mergeAttributeGraphParts([parts[0]!, parts[1]!, twice])).toThrow(/there twice/);
    expect(() => buildAttributeGraphPart(s, DEFAULT_ENGINE_CONFIG, 3, 3)).toThrow(/part 3 of 3/);
  });
});

describe('productTokenVectors', () => {
  /** The definition, as first written: one map of "kind:value" strings, a map per product. */
  function reference(s: Snapshot, config: EngineConfig) {
    const a = config.attributes;
    const p = s.products;
    const nP = p.ids.length;
    const ids = new Map<string, number>();
    const tok = (t: string) => {
      let i = ids.get(t);
      if (i === undefined) ids.set(t, (i = ids.size));
      return i;
    };
    const perProduct: Map<number, number>[] = [];
    for (let i = 0; i < nP; i++) {
      const m = new Map<number, number>();
      const add = (t: string, w: number) => {
        if (w > 0) m.set(tok(t), Math.max(m.get(tok(t)) ?? 0, w));
      };
      if (p.category[i]! >= 0) add(`c:${p.category[i]!}`, a.categoryWeight);
      if (p.brand[i]! >= 0) add(`b:${p.brand[i]!}`, a.brandWeight);
      const price = p.price[i]!;
      if (price > 0) add(`p:${Math.floor(Math.log(price) / Math.log(a.priceBandRatio))}`, a.priceBandWeight);
      for (let k = p.attrOffsets[i]!; k < p.attrOffsets[i + 1]!; k++)
        add(`a:${p.attrTokens[k]!}`, a.freeAttributeWeight);
      for (const word of (p.name[i] ?? '').toLowerCase().split(/[^a-z0-9]+/))
        if (word.length >= 3) add(`w:${word}`, a.nameTokenWeight);
      perProduct.push(m);
    }
    const df = new Float64Array(ids.size);
    for (const m of perProduct) for (const t of m.keys()) df[t]!++;
    const offsets = new Int32Array(nP + 1);
    const tokens: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < nP; i++) {
      const entries = [...perProduct[i]!.entries()].sort((x, y) => x[0] - y[0]);
      let norm = 0;
      const ws = entries.map(([t, w]) => w * Math.log(1 + nP / df[t]!));
      for (const w of ws) norm += w * w;
      norm = Math.sqrt(norm) || 1;
      entries.forEach(([t], j) => {
        tokens.push(t);
        weights.push(ws[j]! / norm);
      });
      offsets[i + 1] = tokens.length;
    }
    return {
      offsets,
      tokens: Int32Array.from(tokens),
      weights: Float32Array.from(weights),
      nTokens: ids.size,
    };
  }

  const next = prng(5);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  // Names with repeats, punctuation, digits, accents and letters that lower-case to more than one.
  const words = [
    'Mug',
    'mug',
    'MUG',
    'vase',
    'x1',
    'ab',
    'lamp-shade',
    'Çay',
    'İpek',
    'über',
    '2024',
    'r2d2',
    '',
    '  ',
  ];
  const s = buildSnapshot({
    products: Array.from({ length: 3000 }, (_, i) => ({
      product_id: `p${i}`,
      name: Array.from({ length: Math.floor(next() * 6) }, () => pick(words)).join(
        pick([' ', '/', '--', '.']),
      ),
      category: next() < 0.2 ? undefined : pick(['HOME', 'GARDEN', 'KITCHEN']),
      brand: next() < 0.5 ? pick(['Acme', 'Bolt', 'Cora']) : undefined,
      price: pick([0, -1, 1, 0.5, 2, 3.99, 1e6, Math.round(next() * 5000) / 100]),
      attributes: next() < 0.4 ? { colour: pick(['red', 'blue']), size: pick(['s', 'm']) } : undefined,
    })),
    events: [],
  });

  it.each([
    ['the defaults', DEFAULT_ENGINE_CONFIG.attributes],
    [
      'zero and unequal weights',
      { ...DEFAULT_ENGINE_CONFIG.attributes, brandWeight: 0, nameTokenWeight: 0.7, priceBandRatio: 1.5 },
    ],
    [
      'names only',
      {
        ...DEFAULT_ENGINE_CONFIG.attributes,
        categoryWeight: 0,
        brandWeight: 0,
        priceBandWeight: 0,
        freeAttributeWeight: 0,
      },
    ],
  ])('numbers and weighs tokens exactly as the definition (%s)', (_, attributes) => {
    const config = { ...DEFAULT_ENGINE_CONFIG, attributes };
    const got = productTokenVectors(s, config);
    const want = reference(s, config);
    expect(got.nTokens).toBe(want.nTokens);
    expect(got.offsets).toEqual(want.offsets);
    expect(got.tokens).toEqual(want.tokens);
    expect(got.weights).toEqual(want.weights);
  });
});
