import type { ProductFields } from './condition';
import { CompiledRules, type MerchandisingRule, ruleReason } from './rules';

const catalogue = new Map<string, ProductFields>(
  [
    ['A', 'Outdoor', 10],
    ['B', 'Kitchen', 60],
    ['C', 'Outdoor', 80],
    ['D', 'Garden', 5],
    ['E', 'Kitchen', 20],
    ['X', 'Garden', 1],
  ].map(([id, category, price]) => [
    id as string,
    {
      product_id: id as string,
      name: `product ${id}`,
      category: category as string,
      brand: null,
      price: price as number,
      available: id !== 'E',
      attributes: {},
    },
  ]),
);
const lookup = (id: string) => catalogue.get(id);
const list = ['A', 'B', 'C', 'D', 'E'].map((product_id, i) => ({ product_id, score: 1 - i * 0.1 }));
const NOW = Date.parse('2026-12-03T12:00:00Z');

let nextId = 1;
function rule(
  r: Partial<MerchandisingRule> & Pick<MerchandisingRule, 'kind' | 'condition'>,
): MerchandisingRule {
  return { id: nextId++, priority: 0, ...r };
}

function served(
  rules: MerchandisingRule[],
  ctx: Partial<{ segment: string; productId: string; category: string; now: number }> = {},
) {
  const out = new CompiledRules(rules, 'v1').apply(list, { now: NOW, ...ctx }, lookup);
  return out === null ? null : out.map((i) => i.productId);
}

describe('merchandising rules', () => {
  it('exclude filter removes what matches; include keeps only what matches', () => {
    expect(served([rule({ kind: 'filter', filter: 'exclude', condition: "category = 'Outdoor'" })])).toEqual([
      'B',
      'D',
      'E',
    ]);
    expect(served([rule({ kind: 'filter', filter: 'include', condition: 'price < 50' })])).toEqual([
      'A',
      'D',
      'E',
    ]);
  });

  it('boost multiplies the score, bury divides it, and the list is re-sorted', () => {
    const boosted = new CompiledRules(
      [rule({ id: 7, kind: 'boost', factor: 2, condition: "id = 'D'" })],
      'v',
    ).apply(list, { now: NOW }, lookup)!;
    expect(boosted.map((i) => i.productId)).toEqual(['D', 'A', 'B', 'C', 'E']);
    expect(boosted[0]!.score).toBeCloseTo(1.4);
    expect(boosted[0]!.effect).toEqual({ ruleId: 7, effect: 'promoted' });
    expect(boosted[1]!.effect).toBeNull();
    expect(served([rule({ kind: 'bury', factor: 10, condition: "category = 'Outdoor'" })])).toEqual([
      'B',
      'D',
      'E',
      'A',
      'C',
    ]);
  });

  it('pin moves a listed product to its position, or brings a named one in from the catalogue', () => {
    expect(served([rule({ kind: 'pin', position: 1, condition: "category = 'Garden'" })])).toEqual([
      'D',
      'A',
      'B',
      'C',
      'E',
    ]);
    expect(served([rule({ kind: 'pin', position: 2, condition: "id = 'X'" })])).toEqual([
      'A',
      'X',
      'B',
      'C',
      'D',
      'E',
    ]);
    expect(served([rule({ kind: 'pin', position: 9, condition: "id = 'B'" })])).toEqual([
      'A',
      'C',
      'D',
      'E',
      'B',
    ]);
    // Not in the catalogue, or unavailable: nothing to bring in.
    expect(served([rule({ kind: 'pin', position: 1, condition: "id IN ('nope', 'E')" })])).toEqual([
      'E',
      'A',
      'B',
      'C',
      'D',
    ]);
    expect(served([rule({ kind: 'pin', position: 1, condition: "id = 'nope'" })])).toBeNull();
  });

  it('applies no rule outside its validity window', () => {
    const window = { starts_at: new Date('2026-12-01T00:00:00Z'), ends_at: new Date('2026-12-04T00:00:00Z') };
    const r = rule({ kind: 'filter', filter: 'exclude', condition: "id = 'A'", ...window });
    expect(served([r])).toEqual(['B', 'C', 'D', 'E']);
    expect(served([r], { now: Date.parse('2026-11-30T23:59:59Z') })).toBeNull();
    expect(served([r], { now: Date.parse('2026-12-04T00:00:00Z') })).toBeNull();
  });

  it('applies a rule with a context only where every part of it holds', () => {
    const r = rule({
      kind: 'filter',
      filter: 'exclude',
      condition: "id = 'A'",
      context: { segment: 'vip', category: 'Outdoor' },
    });
    expect(served([r], { segment: 'vip', category: 'Outdoor' })).toEqual(['B', 'C', 'D', 'E']);
    expect(served([r], { segment: 'vip' })).toBeNull();
    expect(served([r], { segment: 'new', category: 'Outdoor' })).toBeNull();
    const viewing = rule({ kind: 'pin', position: 1, condition: "id = 'X'", context: { product_id: 'C' } });
    expect(served([viewing], { productId: 'C' })?.[0]).toBe('X');
    expect(served([viewing], { productId: 'B' })).toBeNull();
    expect(new CompiledRules([r], 'v').needsSegment).toBe(true);
    expect(new CompiledRules([viewing], 'v').needsSegment).toBe(false);
  });

  it('higher priority wins: a contested position, and one factor per item', () => {
    const low = rule({ id: 50, kind: 'pin', position: 1, priority: 1, condition: "id = 'C'" });
    const high = rule({ id: 51, kind: 'pin', position: 1, priority: 5, condition: "id = 'D'" });
    expect(served([low, high])).toEqual(['D', 'C', 'A', 'B', 'E']);
    const boost = rule({ id: 60, kind: 'boost', factor: 100, priority: 1, condition: "id = 'E'" });
    const bury = rule({ id: 61, kind: 'bury', factor: 2, priority: 2, condition: "category = 'Kitchen'" });
    const out = new CompiledRules([boost, bury], 'v').apply(list, { now: NOW }, lookup)!;
    expect(out.find((i) => i.productId === 'E')!.effect).toEqual({ ruleId: 61, effect: 'demoted' });
    // Filters run before pins: an excluded product is never pinned.
    expect(
      served([low, rule({ kind: 'filter', filter: 'exclude', condition: "id = 'C'", priority: -1 })]),
    ).toEqual(['A', 'B', 'D', 'E']);
  });

  it('names the rules that hold for a request: equal keys, the same rules', () => {
    const hour = 3600_000;
    const rules = new CompiledRules(
      [
        rule({ kind: 'boost', factor: 2, condition: "id = 'D'", priority: 1 }),
        rule({ kind: 'bury', factor: 2, condition: "id = 'A'", ends_at: new Date(NOW + hour) }),
        rule({ kind: 'filter', filter: 'exclude', condition: "id = 'B'", context: { segment: 'vip' } }),
      ],
      'v1',
    );
    expect(rules.activeKey({ now: NOW })).toBe('0,1');
    expect(rules.activeKey({ now: NOW, segment: 'vip' })).toBe('0,1,2');
    expect(rules.activeKey({ now: NOW + hour })).toBe('0');
    // Asked again in between (what holds is kept per span of time and context): the same answers.
    expect(rules.activeKey({ now: NOW + hour - 1 })).toBe('0,1');
    expect(rules.activeKey({ now: NOW + hour - 1, segment: 'vip' })).toBe('0,1,2');
    expect(rules.activeKey({ now: NOW - hour })).toBe('0,1');
    expect(rules.activeKey({ now: NOW + 2 * hour })).toBe('0');
    expect(new CompiledRules([], 'v0').activeKey({ now: NOW })).toBe('');
  });

  it('returns null when no rule changes the list', () => {
    expect(served([])).toBeNull();
    expect(served([rule({ kind: 'boost', factor: 2, condition: "category = 'Toys'" })])).toBeNull();
    expect(served([rule({ kind: 'filter', filter: 'include', condition: 'true' })])).toBeNull();
  });

  it('rejects a rules version with a condition that does not parse', () => {
    expect(() => new CompiledRules([rule({ kind: 'boost', factor: 2, condition: 'price <' })], 'v')).toThrow(
      /position 8/,
    );
  });

  it('says so in a reason that takes no share of the score', () => {
    expect(ruleReason(3, 'pinned')).toEqual({
      feature: 'rule',
      value: 3,
      attribution: 0,
      text: 'pinned by rule 3',
    });
  });
});
