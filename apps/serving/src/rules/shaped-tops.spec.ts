import type { RankedItem } from '@nextbuy/contracts';
import { CompiledRules } from '@nextbuy/engine';
import { CachedList, CachedTop } from '@nextbuy/server';
import type { ServingConfig } from '../serving.config';
import { type ShapeState, ShapedTops } from './shaped-tops';

const item = (productId: string, rank: number): RankedItem => ({
  product_id: productId,
  name: `Product ${productId}`,
  category: 'c',
  score: 1 - rank / 100,
  rank,
  strategy: 'repurchase',
  reasons: [{ feature: 'f', value: 1, attribution: 1, text: 'x'.repeat(100) }],
});
const shaped = (...ids: string[]) =>
  CachedTop.ofAnswer([...CachedList.of(ids.map((id, i) => item(id, i + 1)))], 'token');
const tops = (maxBytes = 1 << 20) => new ShapedTops({ shapedTopsMaxBytes: maxBytes } as ServingConfig);
const rules = new CompiledRules([], 'v1');
const state: ShapeState = { catalogue: 1, rules, activeKey: '0' };

describe('shaped tops', () => {
  it('answer only for the same build, customer, list and state', () => {
    const kept = tops();
    const top = shaped('a', 'b');
    kept.set('b1', 'c1', 't1', state, top);
    expect(kept.get('b1', 'c1', 't1', { ...state })).toBe(top);
    expect(kept.get('b2', 'c1', 't1', state)).toBeUndefined();
    expect(kept.get('b1', 'c2', 't1', state)).toBeUndefined();
    expect(kept.get('b1', 'c1', 't2', state)).toBeUndefined();
    expect(kept.get('b1', 'c1', 't1', { ...state, catalogue: 2 })).toBeUndefined();
    expect(kept.get('b1', 'c1', 't1', { ...state, activeKey: '0,1' })).toBeUndefined();
    expect(kept.get('b1', 'c1', 't1', { ...state, rules: new CompiledRules([], 'v1') })).toBeUndefined();
    expect(kept.get('b1', 'c1', 't1', { ...state, rules: null })).toBeUndefined();
  });

  it('keep one answer per customer and build, for builds served side by side (prediction tasks)', () => {
    const kept = tops();
    kept.set('b1', 'c1', 't1', state, shaped('a'));
    kept.set('b1', 'c1', 't2', state, shaped('b'));
    expect(kept.size).toBe(1);
    kept.set('b1', 'c2', 't1', state, shaped('c'));
    expect(kept.size).toBe(2);
    const other = shaped('d');
    kept.set('b2', 'c1', 't1', state, other);
    expect(kept.size).toBe(3);
    expect(kept.get('b1', 'c2', 't1', state)).toBeDefined();
    expect(kept.get('b2', 'c1', 't1', state)).toBe(other);
    expect(kept.get('b1', 'c1', 't2', state)).not.toBe(other);
  });

  it('stay within their memory, oldest out first', () => {
    const one = shaped('a', 'b', 'c').byteLength;
    const kept = tops(one * 3);
    for (const c of ['c1', 'c2', 'c3', 'c4']) kept.set('b1', c, 't', state, shaped('a', 'b', 'c'));
    expect(kept.size).toBe(3);
    expect(kept.get('b1', 'c1', 't', state)).toBeUndefined();
    expect(kept.get('b1', 'c4', 't', state)).toBeDefined();
    const none = tops(0);
    none.set('b1', 'c1', 't', state, shaped('a'));
    expect(none.size).toBe(0);
  });
});
