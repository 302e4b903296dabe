import { prng } from '../random';
import { buildSnapshot, type EventRow, type ProductRow, type Snapshot } from '../snapshot';
import { AS_OF, DAY } from './tiny';

/**
 * A small shop: each customer re-orders 2–3 staples every ~10 days and now and then picks a random
 * product; staples of neighbouring customers overlap, so graphs have structure. Deterministic.
 */
export function syntheticShop(customers = 80, products = 40, days = 150): Snapshot {
  const rand = prng(7);
  const productRows: ProductRow[] = Array.from({ length: products }, (_, p) => ({
    product_id: `p${p}`,
    name: `${['RED', 'BLUE', 'GREEN'][p % 3]} ${['MUG', 'BAG', 'CANDLE', 'CARD'][p % 4]} ${p}`,
    category: ['MUG', 'BAG', 'CANDLE', 'CARD'][p % 4],
    price: 1 + (p % 7),
    available: p !== 3,
  }));
  const events: EventRow[] = [];
  for (let c = 0; c < customers; c++) {
    const staples = [c % products, (c + 1) % products, (c * 7) % products];
    const every = 7 + (c % 6);
    let order = 0;
    for (let d = days - Math.floor(rand() * every); d > 0; d -= every) {
      const id = `c${c}-o${order++}`;
      for (const p of staples) if (rand() < 0.8) events.push(row(c, p, d, id));
      if (rand() < 0.3) events.push(row(c, Math.floor(rand() * products), d, id));
    }
  }
  return buildSnapshot({ products: productRows, events, asOf: AS_OF });

  function row(c: number, p: number, d: number, order: string): EventRow {
    return {
      customer_id: `c${c}`,
      product_id: `p${p}`,
      type: 'purchase',
      timestamp: AS_OF - d * DAY,
      order_id: order,
    };
  }
}
