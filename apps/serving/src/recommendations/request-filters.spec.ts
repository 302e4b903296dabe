import type { RankedItem, Strategy } from '@nextbuy/contracts';
import { firstItems, type RequestFilters, shapeList } from './request-filters';

const item = (productId: string, strategy: Strategy = 'collaborative', category = 'shoes'): RankedItem => ({
  product_id: productId,
  name: productId,
  category,
  score: 1,
  rank: 99,
  strategy,
  reasons: [],
});
const all: RequestFilters = { limit: 10, type: 'all', exclude: [] };
const ids = (items: RankedItem[]) => items.map((i) => i.product_id);

describe('shapeList', () => {
  const list = [item('a', 'repurchase'), item('b'), item('c', 'repurchase', 'hats'), item('d')];

  it('cuts to the limit, in answer order (an answer ranks items by position)', () => {
    expect(ids(shapeList(list, { ...all, limit: 3 }))).toEqual(['a', 'b', 'c']);
    expect(ids(firstItems(list, 2))).toEqual(['a', 'b']);
  });

  it('filters by strategy, category and exclusions', () => {
    expect(ids(shapeList(list, { ...all, type: 'repurchase' }))).toEqual(['a', 'c']);
    expect(ids(shapeList(list, { ...all, category: 'hats' }))).toEqual(['c']);
    expect(ids(shapeList(list, { ...all, exclude: ['a', 'd'] }))).toEqual(['b', 'c']);
  });

  it('puts the context list first, once per product, without the context product', () => {
    const context = [item('d', 'complementary'), item('x', 'complementary'), item('p', 'complementary')];
    expect(ids(shapeList(list, { ...all, productId: 'p' }, context))).toEqual(['d', 'x', 'a', 'b', 'c']);
  });

  it('keeps a later occurrence when the first one is filtered out', () => {
    const context = [item('b', 'complementary')];
    expect(ids(shapeList(list, { ...all, type: 'collaborative' }, context))).toEqual(['b', 'd']);
  });

  it('never mutates its input (it may be a shared cache value)', () => {
    const before = JSON.stringify(list);
    shapeList(list, all);
    firstItems(list, 2);
    expect(JSON.stringify(list)).toBe(before);
  });
});
