import { backtest, indexHorizonPurchases, formatBacktestTable } from './backtest';
import { resolveConfig } from './config';
import { trainRanker } from './rank/training';
import { AS_OF, DAY, cid, purchase, tinySnapshot } from './__fixtures__/tiny';

/*
 * Hand-checked: A re-orders p1 (3×) and bought p2 once; B and C buy p1 and p3; a guest buys p4.
 * Popular (distinct buyers, last 30 days): p1 (3), p3 (2). In the horizon A buys {p1, p9}, the
 * newcomer N buys {p3}, the guest buys p1 (not evaluated), B buys nothing.
 */
const snapshot = tinySnapshot(
  [
    purchase('A', 'p1', 20),
    purchase('A', 'p2', 15),
    purchase('A', 'p1', 10),
    purchase('A', 'p1', 5),
    purchase('B', 'p3', 4),
    purchase('B', 'p1', 3),
    purchase('C', 'p1', 8),
    purchase('C', 'p3', 6),
    purchase('G', 'p4', 2),
  ],
  {
    customers: [
      { customer_id: 'A' },
      { customer_id: 'B' },
      { customer_id: 'C' },
      { customer_id: 'G', segment: 'guest' },
      { customer_id: 'N' },
    ],
    products: ['p1', 'p2', 'p3', 'p4', 'p9'].map((product_id) => ({ product_id })),
  },
);
const { purchases, unknownCustomers, unknownProducts } = indexHorizonPurchases(snapshot, [
  { customer_id: 'A', product_id: 'p1' },
  { customer_id: 'A', product_id: 'p9' },
  { customer_id: 'A', product_id: 'p1' },
  { customer_id: 'N', product_id: 'p3' },
  { customer_id: 'G', product_id: 'p1' },
  { customer_id: 'X', product_id: 'p3' },
  { customer_id: 'X', product_id: 'p-new' },
  { customer_id: 'guest-later', product_id: 'p1', segment: 'guest' },
]);
const config = resolveConfig({ ranker: { trees: 5 } });
const report = backtest(snapshot, purchases, config, { k: 2 });
const row = (method: string) => report.rows.find((r) => r.method === method)!.metrics;

describe('backtest', () => {
  it('maps horizon purchases to distinct products per customer, unknown ids past the dictionaries', () => {
    expect(unknownCustomers).toBe(1);
    expect(unknownProducts).toBe(1);
    expect(purchases.get(5)).toEqual(new Set([2, 5]));
    expect([...purchases.get(cid(snapshot, 'A'))!].length).toBe(2);
  });

  it('evaluates every non-guest buyer of the horizon, newcomers included', () => {
    expect(report).toMatchObject({ customers: 3, new_customers: 2, catalog: 5, k: 2, training_events: 9 });
    expect(report.as_of).toBe(new Date(AS_OF).toISOString());
    expect(report.rows[0]!.method).toMatch(/^engine/);
    expect(report.rows[0]!.metrics.customers).toBe(3);
    expect(row('  engine, customers with history').customers).toBe(1);
    expect(row('  engine, new customers').customers).toBe(2);
    // The unknown customer X gets the same cold-start list as the known newcomer N.
    expect(row('  engine, new customers').coverage).toBeLessThanOrEqual(2 / 5);
  });

  it('scores the popularity baseline as computed by hand', () => {
    // All get [p1, p3]: A hits p1 at rank 1 (AP 1/2), N hits p3 at rank 2 (AP 1/2), X (who also
    // bought a product unknown at as-of) hits p3 at rank 2 (AP 1/2 / 2).
    const m = row('popularity, last 30 days');
    expect(m.map).toBeCloseTo((0.5 + 0.5 + 0.25) / 3, 10);
    expect(m.recall).toBeCloseTo((0.5 + 1 + 0.5) / 3, 10);
    expect(m.precision).toBeCloseTo(0.5, 10);
    const ideal2 = 1 + 1 / Math.log2(3);
    const ndcgA = 1 / ideal2;
    const ndcgN = 1 / Math.log2(3);
    const ndcgX = 1 / Math.log2(3) / ideal2;
    expect(m.ndcg).toBeCloseTo((ndcgA + ndcgN + ndcgX) / 3, 10);
    expect(m.hitRate).toBe(1);
    expect(m.coverage).toBeCloseTo(2 / 5, 10);
  });

  it("scores the customer's own items with popularity fill", () => {
    // A: [p1, p2] (p1 bought 3×) → AP 1/2; N and X have no history: [p1, p3] → AP 1/2 and 1/4.
    const m = row('own most-bought items + popularity fill');
    expect(m.map).toBeCloseTo((0.5 + 0.5 + 0.25) / 3, 10);
    expect(m.recall).toBeCloseTo((0.5 + 1 + 0.5) / 3, 10);
    expect(m.coverage).toBeCloseTo(3 / 5, 10);
  });

  it('has a row per strategy alone and a printable table', () => {
    expect(report.rows.filter((r) => r.method.startsWith('strategy alone: ')).length).toBe(6);
    const table = formatBacktestTable(report);
    expect(table[0]).toMatch(/MAP@2/);
    expect(table).toHaveLength(report.rows.length + 1);
  });

  it('refuses a snapshot holding events at or after its as-of', () => {
    const leaky = tinySnapshot([
      purchase('A', 'p1', 3),
      { ...purchase('A', 'p2', 0), timestamp: AS_OF + DAY },
    ]);
    expect(() => backtest(leaky, new Map(), config, { k: 2 })).toThrow(/at or after/);
  });

  it('engineOnly keeps the engine rows', () => {
    expect(backtest(snapshot, purchases, config, { k: 2, engineOnly: true }).rows).toHaveLength(3);
  });

  it('scores with a given model instead of training one (staleness), with the same result for the same model', () => {
    const model = trainRanker(snapshot, config);
    const given = backtest(snapshot, purchases, config, { k: 2, engineOnly: true, model });
    expect(given.rows).toEqual(backtest(snapshot, purchases, config, { k: 2, engineOnly: true }).rows);
    expect(Object.keys(given.timings).some((t) => t.startsWith('train.'))).toBe(false);
  });
});
