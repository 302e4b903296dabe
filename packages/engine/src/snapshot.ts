/**
 * The engine's input: an interaction log of dense typed arrays plus the dictionaries that name its
 * indices. Everything downstream indexes customers and products by these Int32 indices.
 */

/** SPEC event types; the code is the index (stored in `InteractionLog.type`). */
export { EVENT_TYPES as EVENT_TYPE_NAMES, type EventType as EventTypeName } from '@nextbuy/contracts';
import type { EventType as EventTypeName } from '@nextbuy/contracts';
export const EventType = {
  view: 0,
  click: 1,
  cart_add: 2,
  cart_remove: 3,
  purchase: 4,
  return: 5,
} as const satisfies Record<EventTypeName, number>;

/** One row per event, sorted by `ts` (ascending, stable). */
export interface InteractionLog {
  customer: Int32Array;
  product: Int32Array;
  type: Uint8Array;
  /** Epoch milliseconds. */
  ts: Float64Array;
  /** Index into `Snapshot.orders`, or -1 when the event belongs to no order. */
  order: Int32Array;
  quantity: Float32Array;
}

export interface CustomerDictionary {
  ids: string[];
  /** Index into `segmentNames`. */
  segment: Int32Array;
  segmentNames: string[];
}

export interface ProductDictionary {
  ids: string[];
  name: string[];
  /** Index into `categoryNames`; -1 when unknown. */
  category: Int32Array;
  categoryNames: string[];
  /** Index into `brandNames`; -1 when unknown. */
  brand: Int32Array;
  brandNames: string[];
  /** NaN when unknown. */
  price: Float64Array;
  /** 1 = can be recommended. */
  available: Uint8Array;
  /** Free attributes as `key=value` tokens, CSR: tokens of product p are attrTokens[attrOffsets[p]..attrOffsets[p+1]). */
  attrOffsets: Int32Array;
  attrTokens: Int32Array;
  attrTokenNames: string[];
}

export interface Snapshot {
  /** Reference time (epoch ms): recency weights and windows are measured from here. */
  asOf: number;
  events: InteractionLog;
  customers: CustomerDictionary;
  products: ProductDictionary;
  /** External order ids, indexed by `InteractionLog.order`. */
  orders: string[];
}

export interface ProductRow {
  product_id: string;
  name?: string;
  category?: string;
  brand?: string;
  price?: number;
  available?: boolean;
  attributes?: Record<string, string | number | boolean>;
}

export interface CustomerRow {
  customer_id: string;
  segment?: string;
}

export interface EventRow {
  customer_id: string;
  product_id: string;
  type: EventTypeName;
  /** Epoch ms, a Date, or ISO text. */
  timestamp: number | Date | string;
  order_id?: string;
  quantity?: number;
}

export interface SnapshotInput {
  products?: Iterable<ProductRow>;
  customers?: Iterable<CustomerRow>;
  events: Iterable<EventRow>;
  /** Defaults to the newest event's timestamp (SPEC: a historical dataset rebuilds the same way). */
  asOf?: number;
}

/** Segment of customers that appear only in events. */
export const DEFAULT_SEGMENT = 'default';

class Dict {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  get(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }
  find(name: string): number | undefined {
    return this.index.get(name);
  }
}

function toMs(t: number | Date | string): number {
  if (typeof t === 'number') return t;
  if (t instanceof Date) return t.getTime();
  return Date.parse(t);
}

/** An interaction log of `n` zeroed events. */
export function allocateLog(n: number): InteractionLog {
  return {
    customer: new Int32Array(n),
    product: new Int32Array(n),
    type: new Uint8Array(n),
    ts: new Float64Array(n),
    order: new Int32Array(n),
    quantity: new Float32Array(n),
  };
}

/** Builds a snapshot from plain rows (tests, file loaders). Unknown ids become stubs. */
export function buildSnapshot(input: SnapshotInput): Snapshot {
  const builder = new SnapshotBuilder();
  for (const e of input.events) {
    builder.add(e.customer_id, e.product_id, e.type, toMs(e.timestamp), e.order_id, e.quantity);
  }
  return builder.build({ asOf: input.asOf, products: input.products, customers: input.customers });
}

/** A typed array that doubles when full. */
class Growable<A extends Int32Array | Uint8Array | Float64Array | Float32Array> {
  length = 0;
  constructor(
    public data: A,
    private readonly make: (n: number) => A,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  /** The values, trimmed to `length` (a copy only when the buffer has spare room). */
  take(): A {
    return (this.length === this.data.length ? this.data : this.data.slice(0, this.length)) as A;
  }
}

/**
 * Builds a snapshot from events streamed in one at a time, straight into growable typed arrays and
 * dictionaries: no object per event, ~30 bytes per event however they arrive. The catalogue comes
 * at `build` (it may be read in parallel with the events): event ids are numbered as they first
 * appear and renumbered then, catalogue first, so the result is exactly `buildSnapshot`'s. Events
 * arriving in time order (as the store reads them) skip the sort.
 */
export class SnapshotBuilder {
  private readonly customers = new Dict();
  private readonly products = new Dict();
  private readonly orders = new Dict();
  private readonly cust = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  private readonly prod = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  private readonly type = new Growable(new Uint8Array(1024), (n) => new Uint8Array(n));
  private readonly ts = new Growable(new Float64Array(1024), (n) => new Float64Array(n));
  private readonly ord = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  private readonly qty = new Growable(new Float32Array(1024), (n) => new Float32Array(n));
  private sorted = true;
  private newest = -Infinity;

  /** One event; `order` empty or missing means none, `quantity` missing means 1. */
  add(
    customer: string,
    product: string,
    type: string,
    ts: number,
    order?: string | null,
    quantity?: number | null,
  ): void {
    const code = EventType[type as EventTypeName] as number | undefined;
    if (code === undefined) throw new Error(`unknown event type ${String(type)}`);
    if (ts < this.newest) this.sorted = false;
    if (ts > this.newest) this.newest = ts;
    this.cust.push(this.customers.get(customer));
    this.prod.push(this.products.get(product));
    this.type.push(code);
    this.ts.push(ts);
    this.ord.push(order === undefined || order === null || order === '' ? -1 : this.orders.get(order));
    this.qty.push(quantity ?? 1);
  }

  get size(): number {
    return this.ts.length;
  }

  /** The snapshot; the builder must not be used afterwards. `asOf` defaults to the newest event. */
  build(input: {
    asOf?: number;
    products?: Iterable<ProductRow>;
    customers?: Iterable<CustomerRow>;
  }): Snapshot {
    const customers = new Dict();
    const segmentOf: number[] = [];
    const segments = new Dict();
    const products = new Dict();
    const productRows: (ProductRow | undefined)[] = [];
    for (const c of input.customers ?? []) {
      const i = customers.get(c.customer_id);
      segmentOf[i] = segments.get(c.segment ?? DEFAULT_SEGMENT);
    }
    for (const p of input.products ?? []) productRows[products.get(p.product_id)] = p;
    // Event-local numbers to final ones; ids seen only in events follow the catalogue's, in order.
    const customerOf = Int32Array.from(this.customers.names, (id) => customers.get(id));
    const productOf = Int32Array.from(this.products.names, (id) => products.get(id));

    const n = this.ts.length;
    const cust = this.cust.take();
    const prod = this.prod.take();
    for (let k = 0; k < n; k++) {
      const c = (cust[k] = customerOf[cust[k]!]!);
      if (segmentOf[c] === undefined) segmentOf[c] = segments.get(DEFAULT_SEGMENT);
      prod[k] = productOf[prod[k]!]!;
    }
    let events: InteractionLog = {
      customer: cust,
      product: prod,
      type: this.type.take(),
      ts: this.ts.take(),
      order: this.ord.take(),
      quantity: this.qty.take(),
    };
    if (!this.sorted) events = sortByTime(events);

    const nP = products.names.length;
    const categories = new Dict();
    const brands = new Dict();
    const tokens = new Dict();
    const dict: ProductDictionary = {
      ids: products.names,
      name: new Array<string>(nP).fill(''),
      category: new Int32Array(nP).fill(-1),
      categoryNames: categories.names,
      brand: new Int32Array(nP).fill(-1),
      brandNames: brands.names,
      price: new Float64Array(nP).fill(NaN),
      available: new Uint8Array(nP).fill(1),
      attrOffsets: new Int32Array(nP + 1),
      attrTokens: new Int32Array(0),
      attrTokenNames: tokens.names,
    };
    const attr: number[] = [];
    for (let p = 0; p < nP; p++) {
      const row = productRows[p];
      if (row) {
        dict.name[p] = row.name ?? '';
        if (row.category) dict.category[p] = categories.get(row.category);
        if (row.brand) dict.brand[p] = brands.get(row.brand);
        if (row.price !== undefined && Number.isFinite(row.price)) dict.price[p] = row.price;
        if (row.available === false) dict.available[p] = 0;
        for (const [k, v] of Object.entries(row.attributes ?? {})) attr.push(tokens.get(`${k}=${String(v)}`));
      }
      dict.attrOffsets[p + 1] = attr.length;
    }
    dict.attrTokens = Int32Array.from(attr);

    const nC = customers.names.length;
    const segment = new Int32Array(nC);
    for (let c = 0; c < nC; c++) segment[c] = segmentOf[c] ?? segments.get(DEFAULT_SEGMENT);
    return {
      asOf: input.asOf ?? (n > 0 ? this.newest : 0),
      events,
      customers: { ids: customers.names, segment, segmentNames: segments.names },
      products: dict,
      orders: this.orders.names,
    };
  }
}

/** The log in time order (stable: equal times keep their arrival order). */
function sortByTime(e: InteractionLog): InteractionLog {
  const n = e.ts.length;
  const perm = Array.from({ length: n }, (_, i) => i);
  perm.sort((a, b) => e.ts[a]! - e.ts[b]! || a - b);
  const out = allocateLog(n);
  for (let k = 0; k < n; k++) {
    const i = perm[k]!;
    out.customer[k] = e.customer[i]!;
    out.product[k] = e.product[i]!;
    out.type[k] = e.type[i]!;
    out.ts[k] = e.ts[i]!;
    out.order[k] = e.order[i]!;
    out.quantity[k] = e.quantity[i]!;
  }
  return out;
}

/** Keeps events in [from, to) (same dictionaries); `asOf` becomes `to`. Used for backtests and training. */
export function sliceSnapshot(s: Snapshot, to: number, from = -Infinity): Snapshot {
  const { ts } = s.events;
  let lo = 0;
  while (lo < ts.length && ts[lo]! < from) lo++;
  let hi = lo;
  while (hi < ts.length && ts[hi]! < to) hi++;
  return { ...s, asOf: to, events: sliceLog(s.events, lo, hi) };
}

function sliceLog(e: InteractionLog, lo: number, hi: number): InteractionLog {
  return {
    customer: e.customer.subarray(lo, hi),
    product: e.product.subarray(lo, hi),
    type: e.type.subarray(lo, hi),
    ts: e.ts.subarray(lo, hi),
    order: e.order.subarray(lo, hi),
    quantity: e.quantity.subarray(lo, hi),
  };
}

/** Keeps only the events of the given customers (a shard), in the same order. */
export function filterByCustomers(s: Snapshot, customers: ArrayLike<number>): Snapshot {
  const keep = new Uint8Array(s.customers.ids.length);
  for (let i = 0; i < customers.length; i++) keep[customers[i]!] = 1;
  const e = s.events;
  let n = 0;
  for (let k = 0; k < e.customer.length; k++) if (keep[e.customer[k]!]) n++;
  const out = allocateLog(n);
  let j = 0;
  for (let k = 0; k < e.customer.length; k++) {
    if (!keep[e.customer[k]!]) continue;
    out.customer[j] = e.customer[k]!;
    out.product[j] = e.product[k]!;
    out.type[j] = e.type[k]!;
    out.ts[j] = e.ts[k]!;
    out.order[j] = e.order[k]!;
    out.quantity[j] = e.quantity[k]!;
    j++;
  }
  return { ...s, events: out };
}

/** Events grouped by customer (CSR): events of c are rows[offsets[c]..offsets[c+1]), in time order. */
export interface CustomerIndex {
  offsets: Int32Array;
  rows: Int32Array;
}

export function indexByCustomer(log: InteractionLog, nCustomers: number): CustomerIndex {
  const offsets = new Int32Array(nCustomers + 1);
  const n = log.customer.length;
  for (let k = 0; k < n; k++) offsets[log.customer[k]! + 1]!++;
  for (let c = 0; c < nCustomers; c++) offsets[c + 1]! += offsets[c]!;
  const fill = offsets.slice(0, nCustomers);
  const rows = new Int32Array(n);
  for (let k = 0; k < n; k++) rows[fill[log.customer[k]!]!++] = k;
  return { offsets, rows };
}
