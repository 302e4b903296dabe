import { buildAll, recommendFor } from '../build';
import { resolveConfig } from '../config';
import { syntheticShop } from '../__fixtures__/synthetic';

const config = resolveConfig({ ranker: { trees: 20 } });
const snapshot = syntheticShop();
const built = buildAll(snapshot, config);

describe('return rules', () => {
  it('demotes a product the customer returned after buying it', () => {
    const p5 = snapshot.products.ids.indexOf('p5');
    const before = recommendFor(built, 'c5', { limit: 40 }).items.find((i) => i.product === p5)!;
    const events = snapshot.events;
    const n = events.ts.length;
    const c5 = snapshot.customers.ids.indexOf('c5');
    // Same snapshot plus one return of p5 by c5 just before asOf.
    const withReturn = {
      ...snapshot,
      events: {
        customer: Int32Array.from([...events.customer, c5]),
        product: Int32Array.from([...events.product, p5]),
        type: Uint8Array.from([...events.type, 5]),
        ts: Float64Array.from([...events.ts, snapshot.asOf - 1000]),
        order: Int32Array.from([...events.order, -1]),
        quantity: Float32Array.from([...events.quantity, 1]),
      },
    };
    expect(withReturn.events.ts.length).toBe(n + 1);
    const after = recommendFor({ ...built, snapshot: withReturn }, 'c5', { limit: 40 }).items.find(
      (i) => i.product === p5,
    );
    expect(after === undefined || after.score < before.score * 0.5).toBe(true);
  });
});
