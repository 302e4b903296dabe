import type { RankedItem, Strategy } from '@nextbuy/contracts';
import { bucketOf, pickVariant } from './assignment';
import { blendList } from './variant-blend';

interface Named {
  name: string;
  share: number;
}

describe('bucketOf', () => {
  it('is stable and in [0, 1)', () => {
    expect(bucketOf('7', 'c-42')).toBe(bucketOf('7', 'c-42'));
    for (let i = 0; i < 1000; i++) {
      const b = bucketOf('7', `c${i}`);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(1);
    }
  });

  it('splits customers in proportion to the shares, independently per experiment', () => {
    const variants: [Named, ...Named[]] = [
      { name: 'a', share: 0.2 },
      { name: 'b', share: 0.3 },
      { name: 'c', share: 0.5 },
    ];
    const n = 20_000;
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    let same = 0;
    for (let i = 0; i < n; i++) {
      const v = pickVariant(variants, bucketOf('1', `c${i}`));
      counts[v.name]!++;
      if (v === pickVariant(variants, bucketOf('2', `c${i}`))) same++;
    }
    expect(counts.a! / n).toBeCloseTo(0.2, 1);
    expect(counts.b! / n).toBeCloseTo(0.3, 1);
    expect(counts.c! / n).toBeCloseTo(0.5, 1);
    // Independent splits agree as often as chance says: 0.2² + 0.3² + 0.5² = 0.38.
    expect(same / n).toBeCloseTo(0.38, 1);
  });
});

describe('pickVariant', () => {
  const variants: [Named, ...Named[]] = [
    { name: 'x', share: 0.1 },
    { name: 'y', share: 0.2 },
    { name: 'z', share: 0.7 },
  ];

  it('lays slices out in order', () => {
    expect(pickVariant(variants, 0).name).toBe('x');
    expect(pickVariant(variants, 0.0999).name).toBe('x');
    expect(pickVariant(variants, 0.1).name).toBe('y');
    expect(pickVariant(variants, 0.35).name).toBe('z');
  });

  it('gives a bucket past the float sum of shares to the last variant', () => {
    expect(pickVariant([{ share: 0.1 }, { share: 0.2 }, { share: 0.6999999 }], 0.9999999).share).toBe(
      0.6999999,
    );
  });
});

describe('blendList', () => {
  const item = (id: string, strategy: Strategy, score: number): RankedItem => ({
    product_id: id,
    name: id,
    category: null,
    score,
    rank: 1,
    strategy,
    reasons: [],
  });
  const list = [item('a', 'repurchase', 0.9), item('b', 'popular', 0.8), item('c', 'collaborative', 0.5)];

  it('returns the stored list without weights', () => {
    expect(blendList(list, undefined)).toBe(list);
    expect(blendList(list, {})).toBe(list);
  });

  it('re-orders by weighted score and drops zero-weight strategies', () => {
    expect(blendList(list, { popular: 2 }).map((i) => i.product_id)).toEqual(['b', 'a', 'c']);
    expect(blendList(list, { repurchase: 0 }).map((i) => i.product_id)).toEqual(['b', 'c']);
    expect(blendList(list, { repurchase: 0.5, popular: 0.5 }).map((i) => i.product_id)).toEqual([
      'c',
      'a',
      'b',
    ]);
  });

  it('keeps stored scores and never mutates its input', () => {
    const before = JSON.stringify(list);
    const out = blendList(list, { popular: 2 });
    expect(out[0]!.score).toBe(0.8);
    expect(JSON.stringify(list)).toBe(before);
  });
});
