import { buildSnapshot, type EventRow, type Snapshot } from '../snapshot';

export const DAY = 86_400_000;
/** Reference time of the fixtures: 2024-01-31T00:00:00Z. */
export const AS_OF = Date.UTC(2024, 0, 31);
export const daysAgo = (d: number) => AS_OF - d * DAY;

export function purchase(customer: string, product: string, days: number, order?: string): EventRow {
  return {
    customer_id: customer,
    product_id: product,
    type: 'purchase',
    timestamp: daysAgo(days),
    order_id: order ?? `${customer}-${days}`,
  };
}

export function tinySnapshot(
  events: EventRow[],
  extra: Partial<Parameters<typeof buildSnapshot>[0]> = {},
): Snapshot {
  return buildSnapshot({ asOf: AS_OF, ...extra, events });
}

export const pid = (s: Snapshot, id: string): number => {
  const i = s.products.ids.indexOf(id);
  if (i < 0) throw new Error(`no product ${id}`);
  return i;
};
export const cid = (s: Snapshot, id: string): number => {
  const i = s.customers.ids.indexOf(id);
  if (i < 0) throw new Error(`no customer ${id}`);
  return i;
};
