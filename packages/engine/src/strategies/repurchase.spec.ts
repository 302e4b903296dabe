import { DEFAULT_ENGINE_CONFIG } from '../config';
import { buildProfile } from '../profile';
import { indexByCustomer } from '../snapshot';
import { repurchaseCandidates } from './repurchase';
import { cid, pid, purchase, tinySnapshot } from '../__fixtures__/tiny';

describe('repurchaseCandidates', () => {
  const s = tinySnapshot([
    purchase('c1', 'A', 60, 'o1'),
    purchase('c1', 'B', 60, 'o1'),
    purchase('c1', 'A', 0, 'o2'),
    purchase('c1', 'C', 120, 'o0'),
    purchase('c1', 'C', 60, 'o1'),
    purchase('c1', 'C', 1, 'o3'),
    { customer_id: 'c1', product_id: 'C', type: 'return', timestamp: Date.UTC(2024, 0, 30, 12) },
    purchase('c2', 'B', 1),
  ]);
  const profile = buildProfile(s, indexByCustomer(s.events, 2), cid(s, 'c1'), DEFAULT_ENGINE_CONFIG);
  const [A, B, C] = [pid(s, 'A'), pid(s, 'B'), pid(s, 'C')];

  it('scores own items by recency-decayed purchase frequency (60-day half-life)', () => {
    const list = repurchaseCandidates(profile, 10);
    // A: 1 + 0.5; B: 0.5; C: (0.25 + 0.5 + 2^(-1/60)) × 0.3 = 0.521 — returned after the last purchase,
    // so three purchases score barely above B's one.
    expect(list.map((c) => c.product)).toEqual([A, C, B]);
    expect(list[0]!.score).toBeCloseTo(1.5);
    expect(list[1]!.score).toBeCloseTo((0.25 + 0.5 + Math.pow(2, -1 / 60)) * 0.3);
    expect(list[2]!.score).toBeCloseTo(0.5);
  });

  it('summarises orders and purchase cycles', () => {
    expect(profile.orders).toBe(4);
    const iA = Array.from(profile.items).indexOf(A);
    expect(profile.purchases[iA]).toBe(2);
    expect(profile.meanGapDays[iA]).toBeCloseTo(60);
    expect(profile.meanOrderGapDays).toBeCloseTo(40);
  });

  it('respects the limit', () => {
    expect(repurchaseCandidates(profile, 1).map((c) => c.product)).toEqual([A]);
  });
});
