import { assignCategories } from './category';
import { isoUtc, londonLocalToUtcMs } from './london-time';

/**
 * UCI Online Retail → nextbuy's canonical import files (SPEC.md). A pure, streaming transform: feed
 * it the raw rows one by one (`push` returns the event a row becomes, if any), then `finish()` gives
 * the products and customers seen. Choices are documented in docs/datasets.md.
 */

/** One row as published: `InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country`. */
export interface OnlineRetailRow {
  InvoiceNo: string;
  StockCode: string;
  Description: string;
  Quantity: string;
  InvoiceDate: string;
  UnitPrice: string;
  CustomerID: string;
  Country: string;
}

export const ONLINE_RETAIL_COLUMNS = [
  'InvoiceNo',
  'StockCode',
  'Description',
  'Quantity',
  'InvoiceDate',
  'UnitPrice',
  'CustomerID',
  'Country',
] as const;

export const EVENT_COLUMNS = [
  'customer_id',
  'product_id',
  'type',
  'timestamp',
  'order_id',
  'quantity',
  'price',
] as const;
export const PRODUCT_COLUMNS = ['product_id', 'name', 'category', 'price', 'available'] as const;
export const CUSTOMER_COLUMNS = ['customer_id', 'segment', 'signup_date', 'country'] as const;

export interface CanonicalEvent {
  customer_id: string;
  product_id: string;
  type: 'purchase' | 'return';
  timestamp: string;
  order_id: string;
  quantity: number;
  price: number;
}
export interface CanonicalProduct {
  product_id: string;
  name: string;
  category: string;
  price: number;
  available: true;
}
export interface CanonicalCustomer {
  customer_id: string;
  segment: string;
  signup_date: string;
  country: string;
}

/**
 * Stock codes that are fees, postage, vouchers and bookkeeping, not products. Matched after upper-casing.
 * `gift_0001_*` are gift vouchers; the `DCGS*` codes with a real description (party bags) are products.
 */
export const NON_PRODUCT_CODES = new Set([
  'POST',
  'DOT',
  'M',
  'C2',
  'D',
  'S',
  'B',
  'BANK CHARGES',
  'AMAZONFEE',
  'CRUK',
  'PADS',
]);
const NON_PRODUCT_PATTERN = /^GIFT_\d+_\d+$/;

/** Guests and their segment: a guest checkout has no CustomerID, so its invoice stands in for one. */
export const GUEST_SEGMENT = 'guest';
export const guestId = (invoice: string) => `guest-${invoice}`;

/** A head noun named by fewer products than this is a typo or a one-off, not a category. */
export const MIN_PRODUCTS_PER_CATEGORY = 3;

export type DropReason =
  | 'fee_or_adjustment_code'
  | 'stock_adjustment'
  | 'zero_or_negative_price'
  | 'bad_date'
  | 'bad_number'
  | 'missing_stock_code';

export interface AdapterCounts {
  rows: number;
  purchases: number;
  returns: number;
  guestRows: number;
  dropped: Record<DropReason, number>;
}

interface ProductAcc {
  descriptions: Map<string, number>;
  prices: number[];
}
interface CustomerAcc {
  country: string;
  firstMs: number;
  guest: boolean;
}

export class OnlineRetailAdapter {
  readonly counts: AdapterCounts = {
    rows: 0,
    purchases: 0,
    returns: 0,
    guestRows: 0,
    dropped: {
      fee_or_adjustment_code: 0,
      stock_adjustment: 0,
      zero_or_negative_price: 0,
      bad_date: 0,
      bad_number: 0,
      missing_stock_code: 0,
    },
  };
  private readonly products = new Map<string, ProductAcc>();
  private readonly customers = new Map<string, CustomerAcc>();
  /** Invoice dates repeat for every line of an invoice: convert each distinct one once. */
  private readonly dateCache = new Map<string, number | undefined>();

  /** The event a raw row becomes, or undefined when it is dropped (counted in `counts.dropped`). */
  push(row: OnlineRetailRow): CanonicalEvent | undefined {
    this.counts.rows++;
    const code = row.StockCode.trim().toUpperCase();
    if (!code) return this.drop('missing_stock_code');
    if (NON_PRODUCT_CODES.has(code) || NON_PRODUCT_PATTERN.test(code))
      return this.drop('fee_or_adjustment_code');
    const quantity = Number(row.Quantity);
    const price = Number(row.UnitPrice);
    if (!Number.isFinite(quantity) || !Number.isFinite(price) || row.Quantity.trim() === '') {
      return this.drop('bad_number');
    }
    const invoice = row.InvoiceNo.trim();
    const cancelled = invoice.toUpperCase().startsWith('C');
    if (quantity === 0 || (quantity < 0 && !cancelled)) return this.drop('stock_adjustment');
    if (price <= 0) return this.drop('zero_or_negative_price');
    const ms = this.utcMs(row.InvoiceDate);
    if (ms === undefined) return this.drop('bad_date');

    const rawCustomer = row.CustomerID.trim().replace(/\.0+$/, '');
    const guest = rawCustomer === '';
    const customerId = guest ? guestId(invoice) : rawCustomer;
    if (guest) this.counts.guestRows++;
    this.noteCustomer(customerId, row.Country.trim(), ms, guest);
    this.noteProduct(code, row.Description.trim(), price);

    const type = cancelled ? 'return' : 'purchase';
    this.counts[cancelled ? 'returns' : 'purchases']++;
    return {
      customer_id: customerId,
      product_id: code,
      type,
      timestamp: isoUtc(ms),
      order_id: invoice,
      quantity: Math.abs(quantity),
      price,
    };
  }

  /** Products and customers of every kept row (call once, after the last `push`). */
  finish(): { products: CanonicalProduct[]; customers: CanonicalCustomer[] } {
    const names = new Map<string, string>();
    for (const [id, p] of this.products) names.set(id, mostFrequent(p.descriptions));
    const categories = assignCategories(names, MIN_PRODUCTS_PER_CATEGORY);
    const products = [...this.products.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, p]) => ({
        product_id: id,
        name: names.get(id) ?? '',
        category: categories.get(id) ?? 'other',
        price: median(p.prices),
        available: true as const,
      }));
    const customers = [...this.customers.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, c]) => ({
        customer_id: id,
        segment: c.guest ? GUEST_SEGMENT : c.country,
        signup_date: isoUtc(c.firstMs),
        country: c.country,
      }));
    return { products, customers };
  }

  private drop(reason: DropReason): undefined {
    this.counts.dropped[reason]++;
    return undefined;
  }

  private utcMs(text: string): number | undefined {
    if (this.dateCache.has(text)) return this.dateCache.get(text);
    const ms = londonLocalToUtcMs(text);
    this.dateCache.set(text, ms);
    return ms;
  }

  private noteCustomer(id: string, country: string, ms: number, guest: boolean): void {
    const c = this.customers.get(id);
    if (!c) {
      this.customers.set(id, { country, firstMs: ms, guest });
    } else if (ms < c.firstMs) {
      c.firstMs = ms;
    }
  }

  private noteProduct(code: string, description: string, price: number): void {
    let p = this.products.get(code);
    if (!p) {
      p = { descriptions: new Map(), prices: [] };
      this.products.set(code, p);
    }
    if (description) p.descriptions.set(description, (p.descriptions.get(description) ?? 0) + 1);
    p.prices.push(price);
  }
}

/** The most frequent key; ties go to the one seen first. */
function mostFrequent(counts: ReadonlyMap<string, number>): string {
  let best = '';
  let bestCount = 0;
  for (const [k, n] of counts) {
    if (n > bestCount) {
      best = k;
      bestCount = n;
    }
  }
  return best;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return Math.round(m * 100) / 100;
}
