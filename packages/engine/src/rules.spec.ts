import { applyRules } from './rules';
import { buildSnapshot } from './snapshot';
import { topKIndices } from './topk';

describe('applyRules', () => {
  const s = buildSnapshot({
    products: [
      { product_id: 'm1', category: 'MUG' },
      { product_id: 'm2', category: 'MUG' },
      { product_id: 'm3', category: 'MUG' },
      { product_id: 'gone', category: 'BAG', available: false },
      { product_id: 'b1', category: 'BAG' },
      { product_id: 'x' },
    ],
    events: [],
  });
  const ranked = [0, 1, 0, 3, 2, 4, 5].map((product) => ({ product }));

  it('drops unavailable products and duplicates', () => {
    const out = applyRules(ranked, s.products, { limit: 10 }).map((i) => i.product);
    expect(out).toEqual([0, 1, 2, 4, 5]);
  });

  it('honours request-time exclusions and the limit', () => {
    expect(applyRules(ranked, s.products, { limit: 2, exclude: new Set([0]) }).map((i) => i.product)).toEqual(
      [1, 2],
    );
  });

  it('caps one category’s share of the list', () => {
    // 50% of 4 slots: at most 2 mugs.
    const out = applyRules(ranked, s.products, { limit: 4, maxCategoryShare: 0.5 }).map((i) => i.product);
    expect(out).toEqual([0, 1, 4, 5]);
  });
});

describe('topKIndices', () => {
  it('keeps the k largest, ties by key', () => {
    const values = [3, 1, 3, 2, 5];
    const keys = [9, 1, 2, 3, 4];
    expect(Array.from(topKIndices(values, keys, 5, 3))).toEqual([4, 2, 0]);
    expect(Array.from(topKIndices(values, keys, 5, 10))).toEqual([4, 2, 0, 3, 1]);
    expect(Array.from(topKIndices(values, keys, 0, 3))).toEqual([]);
  });
});
