import { buildAll } from '../build';
import { resolveConfig } from '../config';
import { rankShard } from '../rank/rank-candidates';
import { RealtimeEngine } from './engine';
import type { LiveEventRow } from './intent';
import { syntheticShop } from '../__fixtures__/synthetic';
import { AS_OF, DAY } from '../__fixtures__/tiny';

const config = resolveConfig({ ranker: { trees: 20 } });
const snapshot = syntheticShop();
const built = buildAll(snapshot, config);
const MINUTE = 60_000;
/** Live events happen after the build (as in a store whose last rebuild was a week ago). */
const NOW = AS_OF + 7 * DAY;

/** Customer c5's history as stored rows (what the worker reads from Postgres). */
function historyOf(customerId: string): LiveEventRow[] {
  const s = snapshot;
  const c = s.customers.ids.indexOf(customerId);
  const out: LiveEventRow[] = [];
  for (let e = 0; e < s.events.ts.length; e++) {
    if (s.events.customer[e] !== c) continue;
    const o = s.events.order[e]!;
    out.push({
      product_id: s.products.ids[s.events.product[e]!]!,
      type: 'purchase',
      timestamp: s.events.ts[e]!,
      order_id: o >= 0 ? s.orders[o] : null,
    });
  }
  return out;
}

const live = (
  product: string,
  type: LiveEventRow['type'],
  minutes: number,
  session = 's1',
): LiveEventRow => ({
  product_id: product,
  type,
  timestamp: NOW + minutes * MINUTE,
  session_id: session,
});

describe('RealtimeEngine.refresh', () => {
  const engine = new RealtimeEngine(built);
  const history = historyOf('c5');
  const refresh = (events: LiveEventRow[], limit = 50) =>
    engine.refresh({ customerId: 'c5', events: [...history, ...events] }, limit).recommendations.items;
  const rankOf = (items: { productId: string }[], id: string) => items.findIndex((i) => i.productId === id);
  const scoreOf = (items: { productId: string; score: number }[], id: string) =>
    items.find((i) => i.productId === id)?.score ?? 0;
  const before = refresh([]);
  /** A product c5 never bought and that sits low (or nowhere) in the built list. */
  const stranger = ['p20', 'p21', 'p22', 'p23', 'p24'].find((p) => !history.some((e) => e.product_id === p))!;

  it('without new events gives the same list as the build', () => {
    const c = snapshot.customers.ids.indexOf('c5');
    const [fromBuild] = rankShard(snapshot, built.artifacts, built.model, [c], config);
    expect(before.map((i) => [i.productId, i.score])).toEqual(
      fromBuild!.items.map((i) => [i.productId, i.score]),
    );
    // Explanations computed only for the kept items are the build's own.
    expect(before.map((i) => [i.strategy, i.reasons])).toEqual(
      fromBuild!.items.map((i) => [i.strategy, i.reasons]),
    );
  });

  it('lifts a cart-added product among the staples, explained, with attributions summing to 1', () => {
    const items = refresh([live(stranger, 'view', 0), live(stranger, 'cart_add', 1)]);
    expect(rankOf(items, stranger)).toBeGreaterThanOrEqual(0);
    expect(rankOf(items, stranger)).toBeLessThan(5);
    if (rankOf(before, stranger) >= 0) expect(rankOf(items, stranger)).toBeLessThan(rankOf(before, stranger));
    const item = items.find((i) => i.productId === stranger)!;
    expect(item.reasons[0]!.text).toBe('in your cart now');
    for (const i of items) expect(i.reasons.reduce((s, r) => s + r.attribution, 0)).toBeCloseTo(1, 9);
  });

  it("raises the cart-added product's complements", () => {
    const p = snapshot.products.ids.indexOf(stranger);
    const g = built.artifacts.graphs.together;
    const partners = Array.from(
      g.cols.subarray(g.offsets[p], g.offsets[p + 1]),
      (q) => snapshot.products.ids[q]!,
    );
    expect(partners.length).toBeGreaterThan(0);
    const items = refresh([live(stranger, 'cart_add', 0)]);
    const top = partners[0]!;
    expect(scoreOf(items, top)).toBeGreaterThan(scoreOf(before, top));
    expect(items.find((i) => i.productId === top)!.reasons.some((r) => r.text.startsWith('goes with'))).toBe(
      true,
    );
  });

  it('lowers a product once bought, unless the customer re-buys it on a cycle', () => {
    const carted = refresh([live(stranger, 'cart_add', 0)]);
    const bought = refresh([live(stranger, 'cart_add', 0), live(stranger, 'purchase', 2)]);
    expect(scoreOf(bought, stranger)).toBeLessThan(scoreOf(carted, stranger) * 0.5);
    const staple = before[0]!.productId;
    const rebought = refresh([live(staple, 'purchase', 0)]);
    expect(rankOf(rebought, staple)).toBeLessThan(5);
  });

  it('demotes a returned product', () => {
    const staple = before[0]!.productId;
    const returned = refresh([live(staple, 'return', 0)]);
    expect(scoreOf(returned, staple)).toBeLessThan(scoreOf(before, staple) * 0.5);
    expect(rankOf(returned, staple)).toBeGreaterThan(0);
  });

  it("counts the current session's views for more than earlier ones", () => {
    const thisSession = refresh([live(stranger, 'view', 0, 'a'), live('p1', 'view', 1, 'a')]);
    const earlierSession = refresh([live(stranger, 'view', 0, 'a'), live('p1', 'view', 120, 'b')]);
    expect(scoreOf(thisSession, stranger)).toBeGreaterThan(scoreOf(earlierSession, stranger));
  });

  it('recommends a product added after the build through its attributes', () => {
    const withNew = new RealtimeEngine(built);
    withNew.setCatalogChanges([{ product_id: 'pNEW', name: 'RED MUG NEW', category: 'MUG', price: 1 }]);
    const c0 = historyOf('c0');
    const mug = c0.find((e) => snapshot.products.category[snapshot.products.ids.indexOf(e.product_id)] === 0);
    expect(mug).toBeDefined();
    const result = withNew.refresh({
      customerId: 'c0',
      events: [...c0, live(mug!.product_id, 'view', 0)],
    });
    const item = result.recommendations.items.find((i) => i.productId === 'pNEW');
    expect(item).toBeDefined();
    expect(result.snapshot.products.name[item!.product]).toBe('RED MUG NEW');
  });

  it('answers a customer the build does not know, from their first events', () => {
    const items = engine.refresh({ customerId: 'newcomer', events: [live(stranger, 'cart_add', 0)] })
      .recommendations.items;
    expect(items[0]!.productId).toBe(stranger);
    // The spare slot is released for the next unknown customer: the build's customers are untouched.
    expect(engine.refresh({ customerId: 'c5', events: history }).recommendations.customerId).toBe('c5');
  });

  it('scores only the top of the candidates when that decides the list, and gets the full answer', () => {
    // Without category caps a short list is the head of a long one: the short one takes the
    // shortcut (contributions for the top candidates and the affected ones), the long one ranks all.
    const uncapped = new RealtimeEngine({
      ...built,
      config: { ...config, rules: { ...config.rules, maxCategoryShare: 1 } },
    });
    const cases: LiveEventRow[][] = [
      [],
      [live(stranger, 'cart_add', 0)],
      [live(before[0]!.productId, 'return', 0)],
      [live(before[1]!.productId, 'purchase', 0), live(stranger, 'view', 1), live('p1', 'view', 2)],
    ];
    for (const events of cases) {
      const ask = (limit: number) =>
        uncapped
          .refresh({ customerId: 'c5', events: [...history, ...events] }, limit)
          .recommendations.items.map((i) => [i.productId, i.score, i.reasons]);
      expect(ask(5)).toEqual(ask(10_000).slice(0, 5));
    }
  });

  it('leaves nothing of one refresh in the next (the engine is reused across customers)', () => {
    const fresh = (customerId: string) =>
      new RealtimeEngine(built).refresh({ customerId, events: historyOf(customerId) }).recommendations.items;
    const reused = (customerId: string, extra: LiveEventRow[] = []) =>
      engine.refresh({ customerId, events: [...historyOf(customerId), ...extra] }).recommendations.items;
    reused('c5', [live(stranger, 'cart_add', 0)]);
    expect(reused('c7')).toEqual(fresh('c7'));
    expect(reused('c5')).toEqual(fresh('c5'));
  });
});
