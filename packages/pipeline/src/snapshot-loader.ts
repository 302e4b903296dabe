import type { DataSource } from 'typeorm';
import { rowsOf } from '@nextbuy/db';
import { buildSnapshot, type EventTypeName, type Snapshot } from '@nextbuy/engine';

interface EventRow {
  customer_id: string;
  product_id: string;
  type: EventTypeName;
  ts: number;
  order_id: string | null;
  quantity: number | null;
}

/** The newest event's timestamp: the default reference time of a rebuild (SPEC). */
export async function newestEventTime(db: DataSource): Promise<Date | null> {
  const [row] = rowsOf<{ ts: Date | null }>(await db.query(`SELECT max(ts) AS ts FROM events`));
  return row?.ts ?? null;
}

/**
 * Reads what a build may see into the engine's typed-array snapshot: the whole catalog, every
 * customer, and the events before `asOf` (`inclusive` for the default reference time, which is the
 * newest event itself; an explicit as-of sees strictly earlier events, so a backtest never peeks).
 */
export async function loadSnapshot(db: DataSource, asOf: Date, inclusive: boolean): Promise<Snapshot> {
  const query = (sql: string, params?: unknown[]): Promise<unknown> => db.query(sql, params);
  // Every list in a fixed order: dictionary indices and same-instant event order feed tie-breaks in
  // the engine, so the same data must load the same way whatever Postgres' storage order.
  const [products, customers, events] = await Promise.all([
    query(
      `SELECT product_id, name, category, brand, price, available, attributes FROM products ORDER BY product_id`,
    ),
    query(`SELECT customer_id, segment FROM customers ORDER BY customer_id`),
    query(
      `SELECT customer_id, product_id, type, extract(epoch FROM ts) * 1000 AS ts, order_id, quantity
       FROM events WHERE ts ${inclusive ? '<=' : '<'} $1 ORDER BY ts, id`,
      [asOf],
    ),
  ]);
  type ProductRow = {
    product_id: string;
    name: string | null;
    category: string | null;
    brand: string | null;
    price: number | null;
    available: boolean;
    attributes: Record<string, string | number | boolean>;
  };
  return buildSnapshot({
    asOf: asOf.getTime(),
    products: rowsOf<ProductRow>(products).map((p) => ({
      product_id: p.product_id,
      name: p.name ?? undefined,
      category: p.category ?? undefined,
      brand: p.brand ?? undefined,
      price: p.price ?? undefined,
      available: p.available,
      attributes: p.attributes,
    })),
    customers: rowsOf<{ customer_id: string; segment: string | null }>(customers).map((c) => ({
      customer_id: c.customer_id,
      segment: c.segment ?? undefined,
    })),
    events: rowsOf<EventRow>(events).map((e) => ({
      customer_id: e.customer_id,
      product_id: e.product_id,
      type: e.type,
      timestamp: Number(e.ts),
      order_id: e.order_id ?? undefined,
      quantity: e.quantity ?? undefined,
    })),
  });
}
