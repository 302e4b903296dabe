import type { RankedItem } from '@nextbuy/contracts';
import {
  CachedList,
  CachedTop,
  encodeListCache,
  encodeTop,
  encodeTopAnswer,
  listToken,
  rankedItems,
  writeItems,
} from './cached-list';
import { TOP_ITEMS } from './keys';

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

describe('cached tops', () => {
  const long = Array.from({ length: TOP_ITEMS + 3 }, (_, i) => ({
    ...items[i % 3]!,
    product_id: `p${i + 1}`,
  }));
  const top = (value: readonly RankedItem[]) => CachedTop.decode(Buffer.from(encodeTopAnswer(value)))!;
  const text = (t: CachedTop, n: number) => t.items(n).toString('utf8');
  /** What the general path answers for the first n items of the whole list. */
  const fromList = (value: readonly RankedItem[], n: number) => {
    const out: Buffer[] = [];
    writeItems(out, [...list(value as RankedItem[])].slice(0, n));
    return Buffer.concat(out).toString('utf8');
  };

  it('hold the first TOP_ITEMS items, answered byte for byte as the whole list answers them', () => {
    const cached = top(long);
    expect(cached.size).toBe(TOP_ITEMS);
    for (const n of [1, 2, 10, TOP_ITEMS]) expect(text(cached, n)).toBe(fromList(long, n));
    expect(JSON.parse(`[${text(cached, 3)}]`)).toEqual(
      long.slice(0, 3).map((item, i) => ({ ...item, rank: i + 1 })),
    );
    expect(cached.productIds).toEqual(long.slice(0, TOP_ITEMS).map((i) => i.product_id));
    expect(cached.strategies).toEqual(long.slice(0, TOP_ITEMS).map((i) => i.strategy));
  });

  it('hold a short list whole, and an empty one', () => {
    expect(top(items).size).toBe(3);
    expect(text(top(items), 3)).toBe(fromList(items, 3));
    expect(top([]).size).toBe(0);
    expect(text(top([]), 0)).toBe('');
  });

  it('say when the build has no list, and treat anything else as a miss', () => {
    const decode = (value: string) => CachedTop.decode(Buffer.from(value));
    expect(decode(encodeTopAnswer(null))).toBeNull();
    expect(decode(encodeListCache(items))).toBeUndefined();
    expect(decode('#top-v2\n[broken')).toBeUndefined();
    expect(decode('#top-v3\n[broken')).toBeUndefined();
    // A top of the format before tokens: a miss, rewritten.
    expect(decode('#top-v1\n[[2],["p1"],["popular"]]\n{}')).toBeUndefined();
  });

  it("carry their list's token: by default the digest of the list's item lines", () => {
    const cached = top(long);
    expect(cached.token).toBe(list(long).token);
    expect(top(long).token).toBe(cached.token);
    expect(CachedTop.decode(Buffer.from(encodeTopAnswer(long, 'T'.repeat(27))))!.token).toBe('T'.repeat(27));
    expect(CachedList.of(long, 'T'.repeat(27)).token).toBe('T'.repeat(27));
    expect(cached.token).not.toBe(top(long.slice(0, TOP_ITEMS + 2)).token);
    // Past the top too: a change in the tail is a different list.
    const tail = long.map((item, i) => (i === TOP_ITEMS + 1 ? { ...item, score: 0.123 } : item));
    expect(top(tail).token).not.toBe(cached.token);
  });

  it('keep the META of each wording apart: one list worded from two catalogues', () => {
    const token = 'T'.repeat(27);
    const renamed = long.map((item) => ({ ...item, name: `${item.name ?? ''} (new)` }));
    const before = top(long);
    const [a, b] = [long, renamed].map((value) =>
      CachedTop.decode(Buffer.from(encodeTopAnswer(value, token)))!,
    );
    expect(a!.token).toBe(b!.token);
    expect(text(a!, 3)).toBe(fromList(long, 3));
    expect(text(b!, 3)).toBe(fromList(renamed, 3));
    expect(text(before, TOP_ITEMS)).toBe(fromList(long, TOP_ITEMS));
  });

  it('read the formats before: a list without its token line, a top without its META digest', () => {
    const value = encodeListCache(long);
    const body = value.slice(value.indexOf('\n') + 1);
    const legacyList = CachedList.decode(Buffer.from(`#ranked-items-v2\n${body}`))!;
    expect([...legacyList].map((i) => i.product_id)).toEqual(long.map((i) => i.product_id));
    expect(legacyList.token).toBe(listToken(legacyList.bytes()));
    const current = encodeTopAnswer(long, legacyList.token);
    const [, token, , meta, ...rest] = current.split('\n');
    const legacyTop = CachedTop.decode(Buffer.from(`#top-v2\n${token}\n${meta}\n${rest.join('\n')}`))!;
    expect(legacyTop.token).toBe(legacyList.token);
    expect(text(legacyTop, TOP_ITEMS)).toBe(fromList(long, TOP_ITEMS));
  });

  it('made from rendered items, answer what their cache value answers once read back', () => {
    const token = 'T'.repeat(27);
    const top12 = long.slice(0, TOP_ITEMS);
    const jsons = top12.map((item, i) => JSON.stringify({ ...item, rank: i + 1 }));
    const ids = top12.map((i) => i.product_id);
    const strategies = top12.map((i) => i.strategy);
    const { top: made, bytes } = CachedTop.rendered(jsons, ids, strategies, token);
    expect(bytes).toBe(encodeTop(jsons, ids, strategies, token));
    const readBack = CachedTop.decode(Buffer.from(bytes))!;
    expect(made.token).toBe(token);
    expect(made.size).toBe(readBack.size);
    expect(made.productIds).toEqual(readBack.productIds);
    expect(made.strategies).toEqual(readBack.strategies);
    for (const n of [0, 1, 5, TOP_ITEMS]) {
      expect(text(made, n)).toBe(text(readBack, n));
      expect(made.itemsText(n)).toBe(text(readBack, n));
      expect(readBack.itemsText(n)).toBe(text(readBack, n));
      // An answer of either: text from the rendered top, bytes from the value read back, alike.
      const fromMade = made.answer('{"items":[', n, ']}');
      const fromRead = readBack.answer('{"items":[', n, ']}');
      expect(typeof fromMade).toBe('string');
      expect(Buffer.isBuffer(fromRead)).toBe(true);
      expect(fromRead.toString()).toBe(fromMade);
      expect(JSON.parse(fromMade as string).items).toHaveLength(n);
    }
    // Non-ASCII ids in META and names in items: where the items start is counted in bytes.
    const accented = top12.map((item, i) => ({ ...item, product_id: `café-${i}`, name: `Tasse ☕ ${i}` }));
    const { top: made2, bytes: bytes2 } = CachedTop.rendered(
      accented.map((item, i) => JSON.stringify({ ...item, rank: i + 1 })),
      accented.map((i) => i.product_id),
      strategies,
      token,
    );
    expect(text(made2, 3)).toBe(text(CachedTop.decode(Buffer.from(bytes2))!, 3));
    expect(made2.itemsText(3)).toBe(CachedTop.decode(Buffer.from(bytes2))!.itemsText(3));
    expect(JSON.parse(`[${text(made2, 2)}]`)[1].name).toBe('Tasse ☕ 1');
  });

  it('hold an answer written item by item, answered as the items write themselves', () => {
    const answerItems = [...list(long)].slice(0, 5).reverse();
    const shaped = CachedTop.ofAnswer(answerItems, 'token');
    expect(shaped.size).toBe(5);
    expect(shaped.token).toBe('token');
    expect(shaped.productIds).toEqual(answerItems.map((i) => i.product_id));
    expect(shaped.strategies).toEqual(answerItems.map((i) => i.strategy));
    for (const n of [0, 1, 3, 5]) {
      const out: Buffer[] = [];
      writeItems(out, answerItems.slice(0, n));
      expect(text(shaped, n)).toBe(Buffer.concat(out).toString('utf8'));
    }
  });
});
