import { CUSTOMER_SOURCE_COLUMNS, PRODUCT_SOURCE_COLUMNS } from './catalog.repository';
import { EVENT_SOURCE_COLUMNS } from './event.repository';
import type { SqlExecutor } from './sql';

/** A bulk import's temp staging table: COPY fills it, a repository's `mergeFromStaging` empties it. */
export interface StagingTableSpec {
  table: string;
  /** In the order of the merge's source columns (and of the COPY lines). */
  columns: readonly string[];
  /** Lives as long as the import's connection, never WAL-logged. */
  create: string;
}

export const EVENT_STAGING: StagingTableSpec = {
  table: 'nb_import_events',
  /** `ord` numbers the rows in COPY order: the first of two rows naming one `event_id` wins. */
  columns: EVENT_SOURCE_COLUMNS,
  create: `CREATE TEMP TABLE IF NOT EXISTS nb_import_events (
    event_id text, customer_id text, product_id text, type event_type, ts timestamptz,
    session_id text, order_id text, quantity float8, price float8,
    ord bigint GENERATED ALWAYS AS IDENTITY)`,
};

export const PRODUCT_STAGING: StagingTableSpec = {
  table: 'nb_import_products',
  columns: PRODUCT_SOURCE_COLUMNS,
  create: `CREATE TEMP TABLE IF NOT EXISTS nb_import_products (
    ord int, product_id text, name text, category text, brand text, price float8, available boolean,
    attributes jsonb)`,
};

export const CUSTOMER_STAGING: StagingTableSpec = {
  table: 'nb_import_customers',
  columns: CUSTOMER_SOURCE_COLUMNS,
  create: `CREATE TEMP TABLE IF NOT EXISTS nb_import_customers (
    ord int, customer_id text, segment text, signup_date timestamptz, attributes jsonb)`,
};

/** One connection's staging table, and the transaction each merge of it runs in. */
export class StagingTable {
  constructor(
    private readonly client: SqlExecutor,
    readonly spec: StagingTableSpec,
  ) {}

  /** Creates the table if this connection has none yet, and empties it. */
  async prepare(): Promise<void> {
    await this.client.query(this.spec.create);
    await this.client.query(`TRUNCATE ${this.spec.table}`);
  }

  /**
   * Runs `merge` in one transaction, then empties the table for the next chunk. `asyncCommit`: the
   * commit does not wait for the WAL flush (an import is re-run after a crash, and is idempotent).
   */
  async merge<T>(merge: (executor: SqlExecutor) => Promise<T>, asyncCommit: boolean): Promise<T> {
    await this.client.query('BEGIN');
    try {
      if (asyncCommit) await this.client.query('SET LOCAL synchronous_commit = off');
      const outcome = await merge(this.client);
      await this.client.query('COMMIT');
      await this.client.query(`TRUNCATE ${this.spec.table}`);
      return outcome;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async drop(): Promise<void> {
    await this.client.query(`DROP TABLE IF EXISTS ${this.spec.table}`);
  }
}
