import { encodeListCache, type RankedItem } from '@nextbuy/contracts';
import { CachedList, rankedItems } from './cached-list';

const items: RankedItem[] = [
  {
    product_id: 'p1',
    name: 'Line\nbreak "quoted"\ttab',
    category: 'shoes',
    score: 0.5,
    rank: 7,
    strategy: 'repurchase',
    reasons: [{ feature: 'f', value: 1, attribution: 1, text: 'a\tb\nc' }],
  },
  { product_id: 'p2', name: null, category: null, score: 0.25, rank: 8, strategy: 'popular', reasons: [] },
  {
    product_id: 'p3',
    name: 'ünïcödé ✓',
    category: 'hats',
    score: 1e-7,
    rank: 9,
    strategy: 'collaborative',
    reasons: [],
  },
];
const decode = (value: string) => CachedList.decode(Buffer.from(value, 'utf8'));
const list = (value = items) => decode(encodeListCache(value))!;

describe('cached lists', () => {
  it('answer every item as stored, ranked 1..n in the order given', () => {
    expect(rankedItems([...list()])).toEqual(items.map((item, i) => ({ ...item, rank: i + 1 })));
    const [first, , third] = [...list()];
    expect(rankedItems([third!, first!]).map((i) => [i.product_id, i.rank])).toEqual([
      ['p3', 1],
      ['p1', 2],
    ]);
  });

  it('write items in SPEC field order', () => {
    expect(Object.keys(rankedItems([list().at(0)!])[0]!)).toEqual([
      'product_id',
      'name',
      'category',
      'score',
      'rank',
      'strategy',
      'reasons',
    ]);
  });

  it('store one item per line after the header', () => {
    expect(encodeListCache(items).split('\n')).toHaveLength(2 + items.length);
    expect(encodeListCache(null)).toBe('null');
    expect(decode(encodeListCache(null))).toBeNull();
    expect([...list([])]).toEqual([]);
  });

  it('read a plain JSON array written by another writer, and treat anything else as a miss', () => {
    expect(rankedItems([...decode(JSON.stringify(items))!])).toEqual(
      items.map((item, i) => ({ ...item, rank: i + 1 })),
    );
    expect(decode('#lines\n{"a":1}')).toBeUndefined();
    expect(decode('{"a":1}')).toBeUndefined();
  });

  it('parse only the filter fields of the items a request reaches', () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const cached = list();
      expect(parse).toHaveBeenCalledTimes(0);
      for (const item of cached) if (item.product_id === 'p1') break;
      expect(parse).toHaveBeenCalledTimes(1);
      expect(cached.at(0)).toBe(cached.at(0)); // read once, then kept
      expect(cached.at(1)).toMatchObject({
        product_id: 'p2',
        category: null,
        strategy: 'popular',
        score: 0.25,
      });
      expect(parse).toHaveBeenCalledTimes(2);
      expect(cached.at(3)).toBeUndefined();
    } finally {
      parse.mockRestore();
    }
  });

  it('relabel their items under another strategy without touching the list', () => {
    const cached = list();
    const popular = cached.as('popular');
    expect([...popular].map((i) => i.strategy)).toEqual(['popular', 'popular', 'popular']);
    expect(rankedItems([...popular]).map((i) => i.strategy)).toEqual(['popular', 'popular', 'popular']);
    expect([...cached].map((i) => i.strategy)).toEqual(['repurchase', 'popular', 'collaborative']);
  });
});
