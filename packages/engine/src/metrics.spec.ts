import { averagePrecisionAtK, evaluateLists, ndcgAtK, precisionAtK, recallAtK } from './metrics';

describe('metrics', () => {
  const actual = new Set([1, 2, 3]);

  it('computes MAP@k by hand', () => {
    // hits at ranks 1 and 3: (1/1 + 2/3) / min(3, 5)
    expect(averagePrecisionAtK([1, 9, 2, 8, 7], actual, 5)).toBeCloseTo((1 + 2 / 3) / 3);
    // k smaller than |actual|: normalised by k
    expect(averagePrecisionAtK([9, 1], actual, 2)).toBeCloseTo(1 / 2 / 2);
    expect(averagePrecisionAtK([], actual, 12)).toBe(0);
    // duplicates count once
    expect(averagePrecisionAtK([1, 1, 2], new Set([1, 2]), 3)).toBeCloseTo((1 + 2 / 3) / 2);
  });

  it('computes recall, precision and NDCG by hand', () => {
    expect(recallAtK([1, 9, 2], actual, 3)).toBeCloseTo(2 / 3);
    expect(precisionAtK([1, 9, 2], actual, 3)).toBeCloseTo(2 / 3);
    const dcg = 1 + 1 / Math.log2(4);
    const ideal = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK([1, 9, 2], actual, 3)).toBeCloseTo(dcg / ideal);
    expect(ndcgAtK([1, 2, 3], actual, 3)).toBeCloseTo(1);
  });

  it('averages over the evaluated customers, counting missing lists as zero', () => {
    const m = evaluateLists(
      new Map([
        [0, [1, 2]],
        [5, [7]],
      ]),
      new Map([
        [0, new Set([1, 2])],
        [1, new Set([3])],
      ]),
      2,
      10,
    );
    expect(m.customers).toBe(2);
    expect(m.map).toBeCloseTo(0.5);
    expect(m.hitRate).toBeCloseTo(0.5);
    expect(m.coverage).toBeCloseTo(0.2);
  });
});
