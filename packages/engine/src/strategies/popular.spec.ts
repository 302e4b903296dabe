import { DEFAULT_ENGINE_CONFIG } from '../config';
import { buildItemStats } from '../features/item-stats';
import { popularCandidates } from './popular';
import { pid, purchase, tinySnapshot } from '../__fixtures__/tiny';

describe('popularCandidates', () => {
  const s = tinySnapshot(
    [
      purchase('c1', 'A', 1),
      purchase('c2', 'A', 2),
      purchase('c3', 'B', 3),
      purchase('c3', 'X', 40), // outside the 30-day window
      purchase('w1', 'B', 1),
    ],
    { customers: [{ customer_id: 'w1', segment: 'wholesale' }] },
  );
  const stats = buildItemStats(s, DEFAULT_ENGINE_CONFIG);

  it('ranks by distinct buyers in the last 30 days', () => {
    const list = popularCandidates(stats, -1, 2);
    expect(list.map((c) => c.product)).toEqual([pid(s, 'A'), pid(s, 'B')]);
    expect(list.map((c) => c.score)).toEqual([2, 2]);
  });

  it("uses the segment's list when it fills the request", () => {
    const seg = s.customers.segmentNames.indexOf('wholesale');
    expect(popularCandidates(stats, seg, 1).map((c) => c.product)).toEqual([pid(s, 'B')]);
    // Too short for 3 items: falls back to the global list.
    expect(popularCandidates(stats, seg, 3).map((c) => c.product)).toEqual([
      pid(s, 'A'),
      pid(s, 'B'),
      pid(s, 'X'),
    ]);
  });
});
