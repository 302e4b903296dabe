import { DEFAULT_ENGINE_CONFIG, resolveConfig } from '../config';
import { buildItemStats, SegmentCounts, decodeItemStats, encodeItemStats } from './item-stats';
import { pid, purchase, tinySnapshot } from '../__fixtures__/tiny';

describe('buildItemStats', () => {
  // A: 3 buyers in the last 30 days (one twice); B: 1 recent buyer, 2 old ones; C: returned a lot.
  const s = tinySnapshot(
    [
      purchase('c1', 'A', 2),
      purchase('c1', 'A', 12),
      purchase('c2', 'A', 20),
      purchase('c3', 'A', 29),
      purchase('c1', 'B', 5),
      purchase('c2', 'B', 100),
      purchase('c3', 'B', 200),
      purchase('c4', 'C', 3),
      purchase('c5', 'C', 4),
      { customer_id: 'c4', product_id: 'C', type: 'return', timestamp: Date.UTC(2024, 0, 30) },
    ],
    { customers: [{ customer_id: 'c5', segment: 'wholesale' }] },
  );
  const config = resolveConfig({ returns: { minPurchasesForRate: 2 } });
  const stats = buildItemStats(s, config);
  const [A, B, C] = [pid(s, 'A'), pid(s, 'B'), pid(s, 'C')];

  it('counts distinct buyers in the window and overall', () => {
    expect(stats.buyersWindow[A]).toBe(3);
    expect(stats.buyersWindow[B]).toBe(1);
    expect(stats.buyersTotal[B]).toBe(3);
    expect(stats.buyersShort[A]).toBe(1);
  });

  it('ranks the popular list by buyers in the window', () => {
    expect(Array.from(stats.popular)).toEqual([A, C, B]);
  });

  it('measures repeat rate, purchase cycle and return rate', () => {
    expect(stats.repeatRate[A]).toBeCloseTo(1 / 3);
    expect(stats.meanGapDays[A]).toBeCloseTo(10);
    expect(Number.isNaN(stats.meanGapDays[B]!)).toBe(true);
    expect(stats.returnRate[C]).toBeCloseTo(0.5);
  });

  it('decays popularity with the configured half-life', () => {
    const hl = DEFAULT_ENGINE_CONFIG.halfLifeDays.popularity;
    expect(stats.popularityDecayed[B]).toBeCloseTo(
      Math.pow(2, -5 / hl) + Math.pow(2, -100 / hl) + Math.pow(2, -200 / hl),
      5,
    );
  });

  it('keeps per-segment lists', () => {
    const wholesale = s.customers.segmentNames.indexOf('wholesale');
    const { offsets, cols } = stats.bySegment;
    expect(Array.from(cols.subarray(offsets[wholesale], offsets[wholesale + 1]))).toEqual([C]);
  });

  it('round-trips through encode/decode', () => {
    const back = decodeItemStats(encodeItemStats(stats));
    expect(Array.from(back.popular)).toEqual(Array.from(stats.popular));
    expect(Array.from(back.bySegment.cols)).toEqual(Array.from(stats.bySegment.cols));
  });
});

describe('SegmentCounts', () => {
  it('counts the same dense or sparse, visiting products in ascending order', () => {
    const dense = new SegmentCounts(5, 300);
    const sparse = new SegmentCounts(5, 300, 0);
    let x = 7;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const seg = x % 5;
      const p = (x >> 8) % 300;
      dense.increment(seg, p);
      sparse.increment(seg, p);
    }
    for (let seg = 0; seg < 6; seg++) {
      const visits = (c: SegmentCounts) => {
        const out: [number, number][] = [];
        c.forEach(seg, (p, n) => out.push([p, n]));
        return out;
      };
      expect(visits(sparse)).toEqual(visits(dense));
      const ps = visits(dense).map(([p]) => p);
      expect(ps).toEqual([...ps].sort((a, b) => a - b));
    }
  });
});
