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
}
