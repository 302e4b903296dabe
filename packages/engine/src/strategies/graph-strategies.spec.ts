import { DEFAULT_ENGINE_CONFIG, resolveConfig } from '../config';
import type { Csr } from '../csr';
import { buildCustomerAffinities } from '../features/affinities';
import { buildItemStats } from '../features/item-stats';
import { buildProfile } from '../profile';
import { indexByCustomer } from '../snapshot';
import { affinitySimilarCandidates } from './affinity-similar';
import { categoryPreferenceCandidates } from './category-preference';
import { collaborativeCandidates } from './collaborative';
import { complementaryCandidates } from './complementary';
import { ScoreAccumulator } from './types';
import { AS_OF, cid, pid, purchase, tinySnapshot } from '../__fixtures__/tiny';

/** A CSR from a plain adjacency list. */
function csr(rows: number, edges: [number, number, number][]): Csr {
  const offsets = new Int32Array(rows + 1);
  const sorted = [...edges].sort((a, b) => a[0] - b[0]);
  for (const [r] of sorted) offsets[r + 1]!++;
  for (let r = 0; r < rows; r++) offsets[r + 1]! += offsets[r]!;
  return {
    offsets,
    cols: Int32Array.from(sorted, (e) => e[1]),
    vals: Float32Array.from(sorted, (e) => e[2]),
  };
}

// c1 bought A today and B 60 days ago (one half-life). Products: A B X Y Z.
const s = tinySnapshot(
  [
    purchase('c1', 'A', 0),
    purchase('c1', 'B', 60),
    purchase('c2', 'X', 1),
    purchase('c2', 'Y', 1),
    purchase('c2', 'Z', 1),
  ],
  {
    products: [
      { product_id: 'A', category: 'MUG' },
      { product_id: 'B', category: 'MUG' },
      { product_id: 'X', category: 'MUG' },
      { product_id: 'Y', category: 'BAG' },
      { product_id: 'Z', category: 'MUG' },
    ],
  },
);
const [A, B, X, Y, Z] = ['A', 'B', 'X', 'Y', 'Z'].map((id) => pid(s, id)) as [
  number,
  number,
  number,
  number,
  number,
];
const profile = buildProfile(s, indexByCustomer(s.events, 2), cid(s, 'c1'), DEFAULT_ENGINE_CONFIG);
const nP = s.products.ids.length;

describe('collaborativeCandidates', () => {
  it('sums neighbour similarity weighted by the seed’s decayed purchases, skipping own items', () => {
    const graph = csr(nP, [
      [A, X, 0.5],
      [A, B, 0.9],
      [B, X, 0.4],
      [B, Y, 0.8],
    ]);
    const acc = new ScoreAccumulator(nP);
    const list = collaborativeCandidates(profile, graph, acc, 10);
    // X: 1·0.5 + 0.5·0.4 = 0.7 (via A, the larger part); Y: 0.5·0.8 = 0.4; B is own → not proposed.
    expect(list.map((c) => [c.product, +c.score.toFixed(4), c.via])).toEqual([
      [X, 0.7, A],
      [Y, 0.4, B],
    ]);
    expect(acc.score[B]).toBeCloseTo(0.9); // kept for the ranker's feature
  });
});

describe('complementaryCandidates', () => {
  it('scores partners of recent baskets and of purchases within the sequence window', () => {
    const together = csr(nP, [[A, X, 0.5]]);
    const after = csr(nP, [
      [A, Y, 0.2],
      [B, Z, 0.9], // B was bought 60 days ago: outside the 30-day window
    ]);
    const t = new ScoreAccumulator(nP);
    const a = new ScoreAccumulator(nP);
    const list = complementaryCandidates(profile, together, after, AS_OF, 30, t, a, 10);
    // A bought today: basket weight 1, sequence weight 1.
    expect(list.map((c) => [c.product, +c.score.toFixed(4)])).toEqual([
      [X, 0.5],
      [Y, 0.2],
    ]);
    expect(a.score[Z]).toBe(0);
  });
});

describe('affinitySimilarCandidates', () => {
  it('proposes attribute neighbours of liked items, weighted by interest', () => {
    const similar = csr(nP, [
      [A, Z, 0.5],
      [B, Y, 0.9],
    ]);
    const acc = new ScoreAccumulator(nP);
    const list = affinitySimilarCandidates(profile, similar, acc, 10);
    const hl = DEFAULT_ENGINE_CONFIG.halfLifeDays.affinity;
    // interest(A) = 1, interest(B) = 2^(-60/90)
    expect(list[0]!.product).toBe(Y);
    expect(list[0]!.score).toBeCloseTo(0.9 * Math.pow(2, -60 / hl), 5);
    expect(list[1]!.score).toBeCloseTo(0.5, 5);
  });
});

describe('categoryPreferenceCandidates', () => {
  it('takes the best sellers of the customer’s top categories, scaled by the category share', () => {
    const config = resolveConfig();
    const stats = buildItemStats(s, config);
    const affinities = buildCustomerAffinities(s, config);
    const list = categoryPreferenceCandidates(affinities.categories, cid(s, 'c1'), stats.byCategory, 1, 10);
    // c1's interest is all MUG: every MUG product, the best seller scoring 1.
    expect(new Set(list.map((c) => c.product))).toEqual(new Set([A, B, X, Z]));
    expect(list[0]!.score).toBeCloseTo(1);
    expect(list.every((c) => c.product !== Y)).toBe(true);
  });

  it('keeps affinities for a subset of customers only when asked', () => {
    const only = buildCustomerAffinities(s, resolveConfig(), [cid(s, 'c2')]);
    const c1 = cid(s, 'c1');
    expect(only.categories.offsets[c1 + 1]! - only.categories.offsets[c1]!).toBe(0);
  });
});
