import type { CustomerRecordInput, EventRecordInput, ProductRecordInput } from '@nextbuy/contracts';

let sequence = 0;
const next = () => ++sequence;

/** An event as a client would send it; override what the test is about. */
export function eventInput(over: Partial<EventRecordInput> = {}): EventRecordInput {
  const n = next();
  return {
    customer_id: `c${n % 7}`,
    product_id: `p${n % 11}`,
    type: 'purchase',
    timestamp: new Date(Date.UTC(2011, 0, 1) + n * 60_000).toISOString(),
    order_id: `o${Math.floor(n / 3)}`,
    quantity: 1,
    price: 2.5,
    ...over,
  };
}

export function productInput(over: Partial<ProductRecordInput> = {}): ProductRecordInput {
  const n = next();
  return {
    product_id: `p${n}`,
    name: `Product ${n}`,
    category: 'mugs',
    brand: 'acme',
    price: 4.95,
    available: true,
    ...over,
  };
}

export function customerInput(over: Partial<CustomerRecordInput> = {}): CustomerRecordInput {
  const n = next();
  return { customer_id: `c${n}`, segment: 'UK', ...over };
}
