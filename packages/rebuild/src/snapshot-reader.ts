import type { CatalogRepository, EventRepository, ProductReadRow } from '@nextbuy/db';
import { SnapshotBuilder, type ProductRow, type Snapshot } from '@nextbuy/engine';

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
 * Every list comes in a fixed order, so the same data always loads the same way. Events stream
 * from the COPY into the builder (peak memory: the typed arrays, not an object per event).
 */
export async function readSnapshot(
  repositories: { events: EventRepository; catalog: CatalogRepository },
  asOf: Date,
  inclusive: boolean,
): Promise<Snapshot> {
  const { events, catalog } = repositories;
  // Each COPY row goes straight into the builder's typed arrays: no object per event is kept.
  const builder = new SnapshotBuilder();
  const readEvents = async (): Promise<void> => {
    for await (const rows of events.snapshotEvents(asOf, inclusive)) {
      for (const [customer, product, type, ts, order, quantity] of rows) {
        builder.add(
          customer,
          product,
          type,
          Number(ts),
          order,
          quantity === null ? undefined : Number(quantity),
        );
      }
    }
  };
  const [products, customers] = await Promise.all([catalog.products(), catalog.customers(), readEvents()]);
  return builder.build({
    asOf: asOf.getTime(),
    products: toProductRows(products),
    customers: customers.map((c) => ({ customer_id: c.customer_id, segment: c.segment ?? undefined })),
  });
}
