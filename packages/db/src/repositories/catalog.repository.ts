import type { DataSource } from 'typeorm';
import type { CustomerRecord, ProductRecord } from '@nextbuy/contracts';
import { rowsOf, type SqlExecutor } from './sql';

export const PRODUCT_SOURCE_COLUMNS = [
  'ord',
  'product_id',
  'name',
  'category',
  'brand',
  'price',
  'available',
  'attributes',
] as const;
export const CUSTOMER_SOURCE_COLUMNS = [
  'ord',
  'customer_id',
  'segment',
  'signup_date',
  'attributes',
] as const;

interface Upsert {
  table: 'products' | 'customers';
  key: 'product_id' | 'customer_id';
  /** Columns a record may leave out: absent keeps what is stored. */
  fields: { name: string; insertDefault?: string }[];
}

const PRODUCTS: Upsert = {
  table: 'products',
  key: 'product_id',
  fields: [
    { name: 'name' },
    { name: 'category' },
    { name: 'brand' },
    { name: 'price' },
    { name: 'available', insertDefault: 'true' },
  ],
};
const CUSTOMERS: Upsert = {
  table: 'customers',
  key: 'customer_id',
  fields: [{ name: 'segment' }, { name: 'signup_date' }],
};

/**
 * Upsert semantics (the same for the API and for files): a field present overwrites, a field absent
 * keeps the stored value, attributes merge key by key, and the entity stops being a stub. The last
 * record wins when one batch names the same id twice. Rows whose values would not change are not
 * written, so re-importing a catalog costs no table churn.
 */
function upsertSql({ table, key, fields }: Upsert, source: string): string[] {
  const src = `SELECT DISTINCT ON (${key}) * FROM (${source}) raw ORDER BY ${key}, ord DESC`;
  const names = fields.map((f) => f.name);
  const insert = `
    WITH changed AS (
    INSERT INTO ${table} (${key}, ${names.join(', ')}, attributes, stub)
    SELECT ${key}, ${fields.map((f) => (f.insertDefault ? `COALESCE(${f.name}, ${f.insertDefault})` : f.name)).join(', ')},
           COALESCE(attributes, '{}'::jsonb), false
    FROM (${src}) s
    ON CONFLICT (${key}) DO NOTHING
    RETURNING 1)
    SELECT count(*)::int AS n FROM changed`;
  const next = (f: string) => `COALESCE(s.${f}, t.${f})`;
  const update = `
    WITH changed AS (
    UPDATE ${table} t SET
      ${names.map((f) => `${f} = ${next(f)}`).join(', ')},
      attributes = t.attributes || COALESCE(s.attributes, '{}'::jsonb),
      stub = false,
      updated_at = now()
    FROM (${src}) s
    WHERE t.${key} = s.${key}
      AND (t.stub ${names.map((f) => `OR t.${f} IS DISTINCT FROM ${next(f)}`).join(' ')}
           OR t.attributes IS DISTINCT FROM t.attributes || COALESCE(s.attributes, '{}'::jsonb))
    RETURNING 1)
    SELECT count(*)::int AS n FROM changed`;
  return [insert, update];
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
}

async function runUpsert(
  executor: SqlExecutor,
  statements: string[],
  params?: unknown[],
): Promise<UpsertCounts> {
  const [insert, update] = statements as [string, string];
  const count = async (sql: string) => rowsOf<{ n: number }>(await executor.query(sql, params))[0]?.n ?? 0;
  const inserted = await count(insert);
  const updated = await count(update);
  return { inserted, updated };
}

const PRODUCTS_UNNEST = `SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::boolean[], $8::jsonb[])
  AS s(${PRODUCT_SOURCE_COLUMNS.join(', ')})`;
const CUSTOMERS_UNNEST = `SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[])
  AS s(${CUSTOMER_SOURCE_COLUMNS.join(', ')})`;

/** A catalogue row as builds and refreshes read it. */
export interface ProductReadRow {
  product_id: string;
  name: string | null;
  category: string | null;
  brand: string | null;
  price: number | null;
  available: boolean;
  attributes: Record<string, string | number | boolean>;
}

export interface CustomerSegmentRow {
  customer_id: string;
  segment: string | null;
}

export class CatalogRepository {
  constructor(private readonly db: DataSource) {}

  upsertProducts(records: readonly ProductRecord[]): Promise<UpsertCounts> {
    if (records.length === 0) return Promise.resolve({ inserted: 0, updated: 0 });
    const params = [
      records.map((_, i) => i),
      records.map((r) => r.product_id),
      records.map((r) => r.name ?? null),
      records.map((r) => r.category ?? null),
      records.map((r) => r.brand ?? null),
      records.map((r) => r.price ?? null),
      records.map((r) => r.available ?? null),
      records.map((r) => JSON.stringify(r.attributes)),
    ];
    return this.db.transaction((m) => runUpsert(m, upsertSql(PRODUCTS, PRODUCTS_UNNEST), params));
  }

  upsertCustomers(records: readonly CustomerRecord[]): Promise<UpsertCounts> {
    if (records.length === 0) return Promise.resolve({ inserted: 0, updated: 0 });
    const params = [
      records.map((_, i) => i),
      records.map((r) => r.customer_id),
      records.map((r) => r.segment ?? null),
      records.map((r) => r.signup_date?.toISOString() ?? null),
      records.map((r) => JSON.stringify(r.attributes)),
    ];
    return this.db.transaction((m) => runUpsert(m, upsertSql(CUSTOMERS, CUSTOMERS_UNNEST), params));
  }

  /** Merges a staging table with `PRODUCT_SOURCE_COLUMNS` / `CUSTOMER_SOURCE_COLUMNS` (the bulk import). */
  static mergeFromStaging(
    executor: SqlExecutor,
    kind: 'products' | 'customers',
    stagingTable: string,
  ): Promise<UpsertCounts> {
    const spec = kind === 'products' ? PRODUCTS : CUSTOMERS;
    const columns = kind === 'products' ? PRODUCT_SOURCE_COLUMNS : CUSTOMER_SOURCE_COLUMNS;
    return runUpsert(executor, upsertSql(spec, `SELECT ${columns.join(', ')} FROM ${stagingTable}`));
  }

  /** Every product, or those created or edited at or after `since` (the real-time refresh's changes). */
  async products(since?: Date): Promise<ProductReadRow[]> {
    return rowsOf<ProductReadRow>(
      await this.db.query(
        `SELECT product_id, name, category, brand, price, available, attributes FROM products
         ${since ? 'WHERE updated_at >= $1' : ''} ORDER BY product_id`,
        since ? [since] : [],
      ),
    );
  }

  /**
   * `products(since)` with the database clock read just before: a reader that keeps a copy of the
   * catalogue (serving) asks again from `asOf` (less a margin for transactions still open, whose
   * `updated_at` is their start) and so misses no edit.
   */
  async productChanges(since?: Date): Promise<{ asOf: Date; products: ProductReadRow[] }> {
    const [clock] = rowsOf<{ now: Date }>(await this.db.query(`SELECT now() AS now`));
    return { asOf: clock!.now, products: await this.products(since) };
  }

  /** Every customer with their segment. */
  async customers(): Promise<CustomerSegmentRow[]> {
    return rowsOf<CustomerSegmentRow>(
      await this.db.query(`SELECT customer_id, segment FROM customers ORDER BY customer_id`),
    );
  }

  /** Segments of these customers (those not stored are absent). */
  async segmentsOf(customerIds: readonly string[]): Promise<Map<string, string | null>> {
    if (customerIds.length === 0) return new Map();
    const rows = rowsOf<CustomerSegmentRow>(
      await this.db.query(`SELECT customer_id, segment FROM customers WHERE customer_id = ANY($1::text[])`, [
        customerIds,
      ]),
    );
    return new Map(rows.map((r) => [r.customer_id, r.segment]));
  }

  /**
   * Whether the catalogue changed since `since`, without reading it: count, newest and sum of the
   * edit times of the products changed since (an index range, migration 1764000500000). The sum
   * catches an edit committed after a later one (`updated_at` is its transaction's start).
   */
  async changeSignature(since: Date): Promise<string> {
    const [row] = rowsOf<{ n: number; newest: string | null; total: string | null }>(
      await this.db.query(
        `SELECT count(*)::int AS n, max(updated_at)::text AS newest,
                sum(extract(epoch FROM updated_at))::text AS total
         FROM products WHERE updated_at >= $1`,
        [since],
      ),
    );
    return row && row.n > 0 ? `${row.n}:${row.newest}:${row.total}` : '0';
  }

  /**
   * Products and customers known only from events at or after `asOf`: stubs no earlier event names,
   * which did not exist at `asOf` (a backtest leaves them out of its dictionaries).
   */
  async stubsFirstSeenFrom(asOf: Date): Promise<{ products: Set<string>; customers: Set<string> }> {
    const noEarlierEvent = (column: 'product_id' | 'customer_id', alias: string) =>
      `NOT EXISTS (SELECT 1 FROM events e WHERE e.${column} = ${alias}.${column} AND e.ts < $1)`;
    const [products, customers] = await Promise.all<unknown>([
      this.db.query(
        `SELECT p.product_id AS id FROM products p WHERE p.stub AND ${noEarlierEvent('product_id', 'p')}`,
        [asOf],
      ),
      this.db.query(
        `SELECT c.customer_id AS id FROM customers c
         WHERE c.stub AND ${noEarlierEvent('customer_id', 'c')}`,
        [asOf],
      ),
    ]);
    return {
      products: new Set(rowsOf<{ id: string }>(products).map((r) => r.id)),
      customers: new Set(rowsOf<{ id: string }>(customers).map((r) => r.id)),
    };
  }

  /** Whether a product exists (a stub named only by events counts). */
  async productExists(productId: string): Promise<boolean> {
    const rows = rowsOf(await this.db.query(`SELECT 1 FROM products WHERE product_id = $1`, [productId]));
    return rows.length > 0;
  }

  /** A customer's segment: `null` for an unknown customer or one without a segment. */
  async customerSegment(customerId: string): Promise<string | null> {
    const rows = rowsOf<CustomerSegmentRow>(
      await this.db.query(`SELECT customer_id, segment FROM customers WHERE customer_id = $1`, [customerId]),
    );
    return rows[0]?.segment ?? null;
  }
}
