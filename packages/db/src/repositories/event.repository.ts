import type { DataSource } from 'typeorm';
import type { KeyedEvent } from '@nextbuy/contracts';
import { rowsOf, type SqlExecutor } from './sql';

/** Columns of an event source (a staging table or an `unnest` of arrays), in this order. */
export const EVENT_SOURCE_COLUMNS = [
  'event_id',
  'customer_id',
  'product_id',
  'type',
  'ts',
  'session_id',
  'order_id',
  'quantity',
  'price',
] as const;

export interface MergeCounts {
  /** Stored now. */
  inserted: number;
  /** Already stored (same event_id). */
  duplicates: number;
}

/**
 * The one way events enter Postgres: stubs for unknown customers and products first, then the
 * events, skipping any `event_id` already stored, in one statement (so one transaction). Stubs are
 * inserted in key order so that concurrent batches cannot deadlock on each other.
 */
function mergeEventsSql(source: string): string {
  const cols = EVENT_SOURCE_COLUMNS.join(', ');
  return `
    WITH src AS (${source}),
    new_customers AS (
      INSERT INTO customers (customer_id, stub)
      SELECT DISTINCT customer_id, true FROM src ORDER BY customer_id
      ON CONFLICT (customer_id) DO NOTHING
    ),
    new_products AS (
      INSERT INTO products (product_id, stub)
      SELECT DISTINCT product_id, true FROM src ORDER BY product_id
      ON CONFLICT (product_id) DO NOTHING
    ),
    stored AS (
      INSERT INTO events (${cols})
      SELECT ${cols} FROM src
      ON CONFLICT (event_id) DO NOTHING
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM stored)::int AS inserted, (SELECT count(*) FROM src)::int AS total`;
}

const UNNEST_SOURCE = `
  SELECT * FROM unnest(
    $1::text[], $2::text[], $3::text[], $4::event_type[], $5::timestamptz[],
    $6::text[], $7::text[], $8::float8[], $9::float8[]
  ) AS s(${EVENT_SOURCE_COLUMNS.join(', ')})`;

export class EventRepository {
  constructor(private readonly db: DataSource) {}

  /** Stores a batch (the events API): all of it or, on error, none of it. */
  async insertBatch(events: readonly KeyedEvent[]): Promise<MergeCounts> {
    if (events.length === 0) return { inserted: 0, duplicates: 0 };
    const params = [
      events.map((e) => e.event_id),
      events.map((e) => e.customer_id),
      events.map((e) => e.product_id),
      events.map((e) => e.type),
      events.map((e) => e.timestamp.toISOString()),
      events.map((e) => e.session_id ?? null),
      events.map((e) => e.order_id ?? null),
      events.map((e) => e.quantity ?? null),
      events.map((e) => e.price ?? null),
    ];
    return runMerge(this.db, mergeEventsSql(UNNEST_SOURCE), params);
  }

  /** Merges a staging table whose columns are `EVENT_SOURCE_COLUMNS` (the bulk import). */
  static mergeFromStaging(executor: SqlExecutor, stagingTable: string): Promise<MergeCounts> {
    return runMerge(
      executor,
      mergeEventsSql(`SELECT ${EVENT_SOURCE_COLUMNS.join(', ')} FROM ${stagingTable}`),
    );
  }
}

async function runMerge(executor: SqlExecutor, sql: string, params?: unknown[]): Promise<MergeCounts> {
  const [row] = rowsOf<{ inserted: number; total: number }>(await executor.query(sql, params));
  const inserted = row?.inserted ?? 0;
  return { inserted, duplicates: (row?.total ?? 0) - inserted };
}
