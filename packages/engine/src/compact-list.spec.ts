import {
  type CatalogNames,
  decodeList,
  encodeList,
  isCompactList,
  itemCategory,
  rankedItemsOf,
  renderItems,
  type StoredItem,
} from './compact-list';

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
