import { resolveConfig } from '../config';
import { csrGet } from '../csr';
import {
  buildCollaborativeGraph,
  buildItemGraphs,
  buildSequenceGraph,
  buildTogetherGraph,
  decodeItemGraphs,
  encodeItemGraphs,
} from './graphs';
import { pid, purchase, tinySnapshot } from '../__fixtures__/tiny';
import { syntheticShop } from '../__fixtures__/synthetic';
import type { Csr } from '../csr';
import { customerIncidence, orderIncidence, type Incidence } from './baskets';

// No decay (huge half-life) and no shrinkage, so the numbers are plain counts.
const config = resolveConfig({
  halfLifeDays: { graph: 1e9 },
  collaborative: { shrinkage: 0 },
  complementary: { minSupport: 2, sequenceWindowDays: 30 },
});

describe('item graphs', () => {
  // Orders: o1 {A,B}, o2 {A,B}, o3 {A,C}, o4 {B}. Customers: c1 {A,B}, c2 {A,B,C}, c3 {B}.
  const s = tinySnapshot([
    purchase('c1', 'A', 10, 'o1'),
    purchase('c1', 'B', 10, 'o1'),
    purchase('c2', 'A', 9, 'o2'),
    purchase('c2', 'B', 9, 'o2'),
    purchase('c2', 'A', 5, 'o3'),
    purchase('c2', 'C', 5, 'o3'),
    purchase('c3', 'B', 4, 'o4'),
  ]);
  const [A, B, C] = [pid(s, 'A'), pid(s, 'B'), pid(s, 'C')];

  it('collaborative: cosine over customers', () => {
    const { graph, support } = buildCollaborativeGraph(s, config);
    // A bought by {c1,c2}, B by {c1,c2,c3}: cos = 2 / √(2·3)
    expect(csrGet(graph, A, B)).toBeCloseTo(2 / Math.sqrt(6), 5);
    // A–C share c2: 1 / √(2·1)
    expect(csrGet(graph, A, C)).toBeCloseTo(1 / Math.sqrt(2), 5);
    // Strongest first: B (0.816) before C (0.707); B's support is the 2 shared customers.
    expect(graph.cols[graph.offsets[A]!]).toBe(B);
    expect(support[graph.offsets[A]!]).toBe(2);
  });

  it('bought together: Jaccard over orders with minimum support', () => {
    const { graph, support } = buildTogetherGraph(s, config);
    // A in {o1,o2,o3}, B in {o1,o2,o4}: both in 2 → 2 / (3 + 3 − 2)
    expect(csrGet(graph, A, B)).toBeCloseTo(0.5, 5);
    expect(support[graph.offsets[A]!]).toBe(2);
    // A–C together once: below min support 2
    expect(csrGet(graph, A, C)).toBe(0);
  });

  it('bought after: first purchases within the window after another product', () => {
    const withSupport1 = resolveConfig({
      ...config,
      complementary: { ...config.complementary, minSupport: 1 },
    });
    const { graph } = buildSequenceGraph(s, withSupport1);
    // c2 bought C (new) 4 days after A and B: A→C and B→C, once each. Score = 1 / √(buyers(A)·buyers(C)).
    expect(csrGet(graph, A, C)).toBeCloseTo(1 / Math.sqrt(2), 5);
    expect(csrGet(graph, B, C)).toBeCloseTo(1 / Math.sqrt(3), 5);
    // A was not new to c2 at o3, so nothing links to A.
    expect(csrGet(graph, B, A)).toBe(0);
    expect(csrGet(graph, C, A)).toBe(0);
  });

  it('round-trips through encode/decode', () => {
    const g = buildItemGraphs(s, config);
    const back = decodeItemGraphs(encodeItemGraphs(g));
    expect(Array.from(back.collaborative.vals)).toEqual(Array.from(g.collaborative.vals));
    expect(Array.from(back.together.cols)).toEqual(Array.from(g.together.cols));
  });

  /**
   * The graphs compute each pair once (the matrix is symmetric) and keep a bounded heap per row: check
   * them against the plain definition — every row accumulated in full, in ascending row order, sorted
   * by (score descending, column ascending), cut to k — bit for bit, with small k and row limits so
   * the cut, the ties and the skipped rows all matter.
   */
  describe('match the full-matrix definition exactly', () => {
    const shop = syntheticShop(60, 25, 120);
    const nP = shop.products.ids.length;

    function reference(
      inc: Incidence,
      maxRow: number,
      k: number,
      score: (a: number, b: number, dot: number, count: number) => number,
    ): { cols: number[][]; vals: number[][]; support: number[][] } {
      const out = { cols: [] as number[][], vals: [] as number[][], support: [] as number[][] };
      for (let a = 0; a < nP; a++) {
        const dot = new Float64Array(nP);
        const cnt = new Float64Array(nP);
        for (let r = 0; r + 1 < inc.offsets.length; r++) {
          const lo = inc.offsets[r]!;
          const hi = inc.offsets[r + 1]!;
          if (hi - lo > maxRow) continue;
          let wa = NaN;
          for (let x = lo; x < hi; x++) if (inc.items[x] === a) wa = inc.weights[x]!;
          if (Number.isNaN(wa)) continue;
          for (let x = lo; x < hi; x++) {
            dot[inc.items[x]!]! += wa * inc.weights[x]!;
            cnt[inc.items[x]!]!++;
          }
        }
        const row: [number, number, number][] = [];
        for (let b = 0; b < nP; b++) {
          if (b === a || cnt[b] === 0) continue;
          const s = score(a, b, dot[b]!, cnt[b]!);
          if (s > 0) row.push([b, s, cnt[b]!]);
        }
        row.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
        const top = row.slice(0, k);
        out.cols.push(top.map((e) => e[0]));
        out.vals.push(top.map((e) => Math.fround(e[1])));
        out.support.push(top.map((e) => Math.fround(e[2])));
      }
      return out;
    }

    const rowsOf = (g: { graph: Csr; support: Float32Array }) => {
      const out = { cols: [] as number[][], vals: [] as number[][], support: [] as number[][] };
      for (let a = 0; a < nP; a++) {
        const lo = g.graph.offsets[a]!;
        const hi = g.graph.offsets[a + 1]!;
        out.cols.push(Array.from(g.graph.cols.subarray(lo, hi)));
        out.vals.push(Array.from(g.graph.vals.subarray(lo, hi)));
        out.support.push(Array.from(g.support.subarray(lo, hi)));
      }
      return out;
    };

    it.each([
      [1, 3, 1],
      [3, 8, 0],
      [5, 1000, 2],
    ])('collaborative: k %i, at most %i items per customer, shrinkage %i', (k, maxItems, shrinkage) => {
      const cfg = resolveConfig({
        collaborative: { neighbours: k, maxItemsPerCustomer: maxItems, shrinkage },
      });
      const inc = customerIncidence(shop, cfg.halfLifeDays.graph);
      const n2 = new Float64Array(nP);
      for (let r = 0; r + 1 < inc.offsets.length; r++) {
        if (inc.offsets[r + 1]! - inc.offsets[r]! > maxItems) continue;
        for (let x = inc.offsets[r]!; x < inc.offsets[r + 1]!; x++)
          n2[inc.items[x]!]! += inc.weights[x]! ** 2;
      }
      const norm = n2.map(Math.sqrt);
      const expected = reference(inc, maxItems, k, (a, b, dot, count) => {
        const denom = norm[a]! * norm[b]!;
        return denom > 0 ? (dot / denom) * (count / (count + shrinkage)) : 0;
      });
      expect(rowsOf(buildCollaborativeGraph(shop, cfg))).toEqual(expected);
    });

    it.each([
      [1, 2, 1],
      [4, 3, 2],
      [30, 150, 1],
    ])('bought together: k %i, orders of at most %i, min support %i', (k, maxOrder, minSupport) => {
      const cfg = resolveConfig({ complementary: { neighbours: k, maxOrderSize: maxOrder, minSupport } });
      const inc = orderIncidence(shop, cfg.halfLifeDays.graph);
      const mass = new Float64Array(nP);
      for (let r = 0; r + 1 < inc.offsets.length; r++) {
        if (inc.offsets[r + 1]! - inc.offsets[r]! > maxOrder) continue;
        for (let x = inc.offsets[r]!; x < inc.offsets[r + 1]!; x++) mass[inc.items[x]!]! += inc.weights[x]!;
      }
      const expected = reference(inc, maxOrder, k, (a, b, dot, count) =>
        count >= minSupport ? dot / (mass[a]! + mass[b]! - dot) : 0,
      );
      expect(rowsOf(buildTogetherGraph(shop, cfg))).toEqual(expected);
    });
  });
});
