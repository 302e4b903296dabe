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
});
