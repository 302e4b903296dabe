import type { CatalogRepository, EventRepository, ProductReadRow } from '@nextbuy/db';
import {
  buildSnapshot,
  type EventRow,
  type EventTypeName,
  type ProductRow,
  type Snapshot,
} from '@nextbuy/engine';

/** Catalogue rows as the engine reads them. */
export function toProductRows(rows: readonly ProductReadRow[]): ProductRow[] {
  return rows.map((p) => ({
    product_id: p.product_id,
    name: p.name ?? undefined,
    category: p.category ?? undefined,
    brand: p.brand ?? undefined,
    price: p.price ?? undefined,
    available: p.available,
    attributes: p.attributes,
  }));
}

/**
 * Reads what a build may see into the engine's typed-array snapshot: the whole catalog, every
 * customer, and the events before `asOf` (`inclusive` for the default reference time, which is the
 * newest event itself; an explicit as-of sees strictly earlier events, so a backtest never peeks).
 * Every list comes in a fixed order, so the same data always loads the same way.
 */
export async function readSnapshot(
  repositories: { events: EventRepository; catalog: CatalogRepository },
  asOf: Date,
  inclusive: boolean,
): Promise<Snapshot> {
  const { events, catalog } = repositories;
  const readEvents = async (): Promise<EventRow[]> => {
    const out: EventRow[] = [];
    for await (const rows of events.snapshotEvents(asOf, inclusive)) {
      for (const [customer, product, type, ts, order, quantity] of rows) {
        out.push({
          customer_id: customer,
          product_id: product,
          type: type as EventTypeName,
          timestamp: Number(ts),
          order_id: order ?? undefined,
          quantity: quantity === null || quantity === undefined ? undefined : Number(quantity),
        });
      }
    }
    return out;
  };
  const [products, customers, eventRows] = await Promise.all([
    catalog.products(),
    catalog.customers(),
    readEvents(),
  ]);
  return buildSnapshot({
    asOf: asOf.getTime(),
    products: toProductRows(products),
    customers: customers.map((c) => ({ customer_id: c.customer_id, segment: c.segment ?? undefined })),
    events: eventRows,
  });
}
