import {
  type CatalogNames,
  decodeList,
  encodeList,
  isCompactList,
  itemCategory,
  ListDictionary,
  loadListDictionary,
  rankedItemsOf,
  renderItems,
  type StoredItem,
} from './compact-list';
import { FEATURES } from './rank/features';

const CATALOG: Record<string, { name: string | null; category: string | null }> = {
  '85123A': { name: 'WHITE HANGING HEART T-LIGHT HOLDER', category: 'HOME' },
  '22423': { name: 'REGENCY CAKESTAND 3 TIER', category: 'KITCHEN' },
  '84879': { name: null, category: null },
};
const names: CatalogNames = {
  name: (id) => CATALOG[id]?.name ?? null,
  category: (id) => CATALOG[id]?.category ?? null,
  viaName: (id) => CATALOG[id]?.name || id,
};

const items: StoredItem[] = [
  {
    product_id: '85123A',
    name: 'WHITE HANGING HEART T-LIGHT HOLDER',
    category: 'HOME',
    score: 0.734512,
    rank: 1,
    strategy: 'repurchase',
    reasons: [
      { feature: 'own_purchases', value: 4, attribution: 0.6123, text: 'bought this 4 times' },
      {
        feature: 'together',
        value: 0.25,
        attribution: 0.2,
        text: 'often bought with REGENCY CAKESTAND 3 TIER (12 orders)',
        via: '22423',
        support: 12,
      },
      { feature: 'category_share', value: 0.457, attribution: 0.1, text: '46% of your interest is in HOME' },
      { feature: 'other', value: 2, attribution: 0.0877, text: 'other signals' },
    ],
  },
  {
    product_id: '84879',
    name: null,
    category: null,
    score: 0.5,
    rank: 2,
    strategy: 'affinity_similar',
    reasons: [
      {
        feature: 'attribute_similarity',
        value: 0.8,
        attribution: 1,
        text: 'similar to 85123B, which you like',
        via: '85123B',
      },
    ],
  },
];

/** The reasons' texts as the engine words them (checked below against FEATURES). */
const json = (list: StoredItem[]) =>
  JSON.stringify(
    list.map((i) => ({ ...i, reasons: i.reasons.map(({ via: _via, support: _support, ...r }) => r) })),
  );

describe('compact lists', () => {
  it('read back as the same JSON, names and texts rendered from the catalogue', () => {
    const together = items[0]!.reasons[1]!;
    // The engine's wording of the cited link, whatever it is: rendered once, then the item is built with it.
    const raw = encodeList({ items, segment: 'default' }, names);
    expect(isCompactList(raw)).toBe(true);
    const list = decodeList(raw);
    const back = JSON.parse(renderItems(list, names)) as StoredItem[];
    expect(back[1]!.reasons[0]!.text).toBe('similar to 85123B, which you like');
    // The literal fallback keeps any text the renderer would word differently (here `together`'s, if so).
    expect(back[0]!.reasons[1]!.text).toBe(together.text);
    expect(renderItems(list, names)).toBe(json(items));
    expect(list.items[0]!.name).toBeUndefined(); // from the catalogue, not stored
    expect(itemCategory(list.items[0]!, names)).toBe('HOME');
  });

  it('stores what would not render the same: texts worded before rounding, unknown names, unknown features', () => {
    const odd: StoredItem[] = [
      {
        product_id: 'p-new',
        name: 'A product the catalogue does not hold',
        category: 'shoes',
        score: 1 / 3,
        rank: 1,
        strategy: 'popular',
        reasons: [
          // Worded from 0.4996 before rounding to 0.5: the renderer would say "50%".
          {
            feature: 'category_share',
            value: 0.5,
            attribution: 0.5,
            text: '49% of your interest is in shoes',
          },
          { feature: 'popular_signal', value: -2.5, attribution: 0.25 },
          { feature: 'buyers_total', value: 1e15 + 0.5, attribution: 0.25, text: 'bought by many' },
        ],
      },
    ];
    const raw = encodeList({ items: odd }, names);
    expect(renderItems(decodeList(raw), names)).toBe(JSON.stringify(odd));
    // Without a catalogue everything is stored as it is.
    const plain = encodeList({ items: odd });
    expect(rankedItemsOf(decodeList(plain), names)).toEqual(odd);
  });

  it('renders with the catalogue of the moment: a renamed product reads under its new name', () => {
    const raw = encodeList({ items }, names);
    const renamed: CatalogNames = {
      ...names,
      name: (id) => (id === '85123A' ? 'HEART HOLDER' : names.name(id)),
    };
    expect(rankedItemsOf(decodeList(raw), renamed)[0]!.name).toBe('HEART HOLDER');
  });

  it('is small: 50 items of 4 reasons in a fifteenth of their JSON', () => {
    const many: StoredItem[] = Array.from({ length: 50 }, (_, i) => ({
      ...items[0]!,
      product_id: i % 2 ? '85123A' : '22423',
      name: names.name(i % 2 ? '85123A' : '22423'),
      category: names.category(i % 2 ? '85123A' : '22423'),
      score: Math.round((0.9 - i / 100) * 1e6) / 1e6,
      rank: i + 1,
      reasons: items[0]!.reasons.map((r) => ({ ...r, text: r.text })),
    }));
    const raw = encodeList({ items: many }, names);
    expect(renderItems(decodeList(raw), names)).toBe(json(many));
    expect(raw.length).toBeLessThan(json(many).length / 15);
  });

  it('keeps ids of digits exactly, leading zeros and long ones included', () => {
    const ids = ['22423', '0', '007', '12345678901234', '123456789012345678', '85123A', ''];
    const list: StoredItem[] = ids.map((id, i) => ({
      product_id: id,
      name: null,
      category: null,
      score: 1 - i / 10,
      rank: i + 1,
      strategy: 'popular',
      reasons: [],
    }));
    expect(rankedItemsOf(decodeList(encodeList({ items: list, segment: '42' })), names)).toEqual(list);
  });

  it('rejects bytes of another format and cut lists', () => {
    expect(() => decodeList(Buffer.from('[]'))).toThrow('not a compact list');
    const raw = encodeList({ items }, names);
    expect(() => decodeList(raw.subarray(0, raw.length - 3))).toThrow('truncated');
  });
});

describe("compact lists with a build's product dictionary", () => {
  /** A build's catalogue of 5,000 products: `P00000`… named `PRODUCT n`, ten categories. */
  const catalogue = (count: number, first = 0) =>
    Array.from({ length: count }, (_, i) => `P${String(first + i).padStart(5, '0')}`);
  const named: CatalogNames = {
    name: (id) => (id.startsWith('P') ? `PRODUCT ${Number(id.slice(1))}` : null),
    category: (id) => (id.startsWith('P') ? `CATEGORY ${Number(id.slice(1)) % 10}` : null),
    viaName: (id) => (id.startsWith('P') ? `PRODUCT ${Number(id.slice(1))}` : id),
  };
  const text = (feature: string, value: number, via?: string, support?: number) =>
    FEATURES.find((f) => f.name === feature)!.text(value, {
      ...(via === undefined ? {} : { viaName: named.viaName(via), support }),
    });
  /**
   * A customer's list as a build ranks it: 50 items, three reasons each (one citing a product, one
   * the customer's own, one the item's) and "other signals" on every third, shares of 1 in
   * ten-thousandths: 3.3 reasons an item. The synthetic store's lists average 3.5, Online Retail's
   * 3.9, and weigh more (1.2 KB on Online Retail: BENCHMARKS.md, compact lists).
   */
  const list = (ids: readonly string[]): StoredItem[] =>
    Array.from({ length: 50 }, (_, i) => {
      const product = ids[(i * 97) % ids.length]!;
      const via = ids[(i * 31 + 7) % ids.length]!;
      const other = i % 3 === 0 ? 0.1377 : 0;
      return {
        product_id: product,
        name: named.name(product),
        category: named.category(product),
        score: Math.round((0.91 - i * 0.0137) * 1e6) / 1e6,
        rank: i + 1,
        strategy: 'collaborative',
        reasons: [
          {
            feature: 'collaborative',
            value: 3,
            attribution: 0.4123 - i / 1e4,
            text: text('collaborative', 3, via, 4),
            via,
            support: 4,
          },
          // The customer's own: the same value on every item.
          {
            feature: 'days_since_order',
            value: 12.5,
            attribution: 0.25,
            text: text('days_since_order', 12.5),
          },
          {
            feature: 'item_age_days',
            value: 100 + i,
            attribution: Math.round((0.3377 + i / 1e4 - other) * 1e4) / 1e4,
            text: text('item_age_days', 100 + i),
          },
          ...(other ? [{ feature: 'other', value: 2, attribution: other, text: 'other signals' }] : []),
        ],
      };
    });

  it('stores a list of 50 items in at most 1 KB, read back exactly', () => {
    const dictionary = new ListDictionary(catalogue(5000));
    const items = list(dictionary.productIds);
    const raw = encodeList({ items, segment: 'default' }, named, dictionary);
    expect(raw.length).toBeLessThanOrEqual(1024);
    expect(renderItems(decodeList(raw, dictionary), named)).toBe(json(items));
    // Without the dictionary each product is stored by its id: larger, as exact.
    const byId = encodeList({ items, segment: 'default' }, named);
    expect(byId.length).toBeGreaterThan(raw.length);
    expect(renderItems(decodeList(byId), named)).toBe(json(items));
  });

  it('is per build: each build reads its own lists with its own dictionary', () => {
    // Build B's catalogue has 300 products that build A did not: every index after them moves.
    const a = new ListDictionary(catalogue(5000));
    const b = new ListDictionary([...catalogue(300).map((id) => `A${id}`), ...catalogue(5000)].sort());
    const items = list(a.productIds);
    const ofA = encodeList({ items }, named, a);
    const ofB = encodeList({ items }, named, b);
    expect(renderItems(decodeList(ofA, a), named)).toBe(json(items));
    expect(renderItems(decodeList(ofB, b), named)).toBe(json(items));
    expect(ofA.equals(ofB)).toBe(false);
    // Read with the other build's dictionary, the same bytes name other products.
    expect(decodeList(ofA, b).items[0]!.product_id).not.toBe(items[0]!.product_id);
    // And a reader without the build's dictionary cannot read them at all.
    expect(() => decodeList(ofA)).toThrow("outside its build's dictionary");
  });

  it('stores a product the build did not know (added since, in a real-time refresh) by its id', () => {
    const dictionary = new ListDictionary(catalogue(100));
    const items = list([...catalogue(100), 'NEW-1', 'NEW-2']);
    const raw = encodeList({ items }, named, dictionary);
    expect(renderItems(decodeList(raw, dictionary), named)).toBe(json(items));
  });

  it('round-trips the dictionary as the build artifact, and reads builds stored before it', async () => {
    const dictionary = new ListDictionary(['22423', '85123A', 'P00001', '007', '']);
    const artifacts = new Map([['7:list-dictionary', dictionary.encode()]]);
    const source = {
      loadArtifactIfAny: (buildId: string, name: string) =>
        Promise.resolve(artifacts.get(`${buildId}:${name}`) ?? null),
    };
    expect((await loadListDictionary(source, '7')).productIds).toEqual(dictionary.productIds);
    expect((await loadListDictionary(source, '6')).productIds).toEqual([]);
  });

  it('reads lists of version 1 (stored before the dictionary) as they were', () => {
    // encodeList of 2026-12-03 (version 1): the `items` of this file, shortened, segment `default`.
    const v1 = Buffer.from(
      'AQEOZGVmYXVsdAIMODUxMjNBr94CAgAY39RZARCtvwFJ6QfBPgEwPgjVOgENoNAcDqQBBA==',
      'base64',
    );
    expect(isCompactList(v1)).toBe(true);
    const read = rankedItemsOf(decodeList(v1, new ListDictionary(['P1', 'P2'])), names);
    expect(read.map((i) => [i.product_id, i.score, i.strategy])).toEqual([
      ['85123A', 0.734512, 'repurchase'],
      ['22423', 0.5, 'popular'],
    ]);
    expect(read[0]!.reasons).toEqual([
      { feature: 'own_purchases', value: 4, attribution: 0.6123, text: 'bought this 4 times' },
      {
        feature: 'together',
        value: 0.25,
        attribution: 0.2,
        text: 'often bought with REGENCY CAKESTAND 3 TIER (12 orders)',
      },
      { feature: 'other', value: 2, attribution: 0.1877, text: 'other signals' },
    ]);
    expect(read[1]!.reasons).toEqual([
      {
        feature: 'buyers_30d',
        value: 41,
        attribution: 1,
        text: 'bought by 41 customers in the last 30 days',
      },
    ]);
  });
});
