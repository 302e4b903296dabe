import type { PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import type { RankedItem } from '@nextbuy/contracts';
import { CopyWriter, copyTextRow, type CopyValue } from '../copy';
import { rowsOf } from './sql';

/** Rows of COPY text gathered before one write: fewer, larger protocol messages. */
const COPY_CHUNK_BYTES = 256 * 1024;

export const ITEM_LIST_KINDS = ['similar', 'bought_together', 'popular'] as const;
export type ItemListKind = (typeof ITEM_LIST_KINDS)[number];

export interface CustomerList {
  customer_id: string;
  items: RankedItem[];
}

/** Items to store: the items, or their JSON already (a rank shard serialises each list as it is ranked). */
export type ItemsToWrite = RankedItem[] | string;

const itemsJson = (items: ItemsToWrite): string =>
  typeof items === 'string' ? items : JSON.stringify(items);

export interface CustomerListToWrite {
  customer_id: string;
  items: ItemsToWrite;
}

export interface KeyedList {
  key: string;
  items: RankedItem[];
}

export interface KeyedListToWrite {
  key: string;
  items: ItemsToWrite;
}

/** Everything a build writes: stage artifacts, per-customer lists, per-product and per-segment lists. */
export class BuildOutputRepository {
  constructor(private readonly db: DataSource) {}

  /** Idempotent: a retried stage overwrites its own artifact. */
  async saveArtifact(buildId: string, name: string, data: Uint8Array): Promise<void> {
    await this.db.query(
      `INSERT INTO build_artifacts (build_id, name, data) VALUES ($1, $2, $3)
       ON CONFLICT (build_id, name) DO UPDATE SET data = EXCLUDED.data, created_at = now()`,
      [buildId, name, Buffer.from(data.buffer, data.byteOffset, data.byteLength)],
    );
  }

  /** Drops a build's intermediate artifacts (a training build's, once its model is stored). */
  async deleteArtifacts(buildId: string): Promise<void> {
    await this.db.query(`DELETE FROM build_artifacts WHERE build_id = $1`, [buildId]);
  }

  async loadArtifact(buildId: string, name: string): Promise<Uint8Array> {
    const [row] = rowsOf<{ data: Buffer }>(
      await this.db.query(`SELECT data FROM build_artifacts WHERE build_id = $1 AND name = $2`, [
        buildId,
        name,
      ]),
    );
    if (!row) throw new Error(`build ${buildId} has no artifact ${name}`);
    return new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
  }

  /**
   * Replaces the lists of exactly these customers in one transaction, so a retried shard
   * overwrites its own output and nothing else. Lists go in through COPY: a shard writes tens of
   * megabytes of JSON, four times faster than as array parameters (BENCHMARKS.md).
   */
  async writeRecommendations(buildId: string, lists: readonly CustomerListToWrite[]): Promise<void> {
    if (lists.length === 0) return;
    await this.replaceWithCopy(
      (q) =>
        q.query(`DELETE FROM recommendations WHERE build_id = $1 AND customer_id = ANY($2::text[])`, [
          buildId,
          lists.map((l) => l.customer_id),
        ]),
      'recommendations',
      ['build_id', 'customer_id', 'items'],
      lists.map((l) => [buildId, l.customer_id, itemsJson(l.items)]),
    );
  }

  /**
   * Inserts or replaces the lists of a few customers in one statement: the real-time refresh's
   * write (one round trip, no transaction), where a rebuild's bulk COPY would cost four. `items`
   * may come serialised already (the refresh writes the same JSON to the cache).
   */
  async upsertRecommendations(buildId: string, lists: readonly CustomerListToWrite[]): Promise<void> {
    if (lists.length === 0) return;
    // One JSON document, not an array parameter: pg escapes array elements character by character.
    // `json`, not `jsonb`: no parse into binary form (the column is `json` from migration 1764000600000).
    const json = `[${lists
      .map((l) => `{"customer_id":${JSON.stringify(l.customer_id)},"items":${itemsJson(l.items)}}`)
      .join(',')}]`;
    await this.db.query(
      `INSERT INTO recommendations (build_id, customer_id, items)
       SELECT $1, customer_id, items FROM json_to_recordset($2::json) AS s(customer_id text, items json)
       ON CONFLICT (build_id, customer_id) DO UPDATE SET items = EXCLUDED.items`,
      [buildId, json],
    );
  }

  async writeItemLists(
    buildId: string,
    kind: ItemListKind,
    lists: readonly KeyedListToWrite[],
  ): Promise<void> {
    await this.replaceWithCopy(
      (q) => q.query(`DELETE FROM item_lists WHERE build_id = $1 AND kind = $2`, [buildId, kind]),
      'item_lists',
      ['build_id', 'kind', 'key', 'items'],
      lists.map((l) => [buildId, kind, l.key, itemsJson(l.items)]),
    );
  }

  /** In one transaction: `clear` what the rows replace, then COPY the rows in. */
  private async replaceWithCopy(
    clear: (q: QueryRunner) => Promise<unknown>,
    table: string,
    columns: readonly string[],
    rows: readonly CopyValue[][],
  ): Promise<void> {
    const runner = this.db.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      await runner.startTransaction();
      await clear(runner);
      const copy = new CopyWriter(client, table, columns);
      let chunk = '';
      for (const row of rows) {
        chunk += copyTextRow(row);
        if (chunk.length >= COPY_CHUNK_BYTES) {
          await copy.write(chunk);
          chunk = '';
        }
      }
      if (chunk) await copy.write(chunk);
      await copy.end();
      await runner.commitTransaction();
    } catch (e) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw e;
    } finally {
      await runner.release();
    }
  }

  async recommendations(buildId: string, customerId: string): Promise<RankedItem[] | null> {
    const [row] = rowsOf<{ items: RankedItem[] }>(
      await this.db.query(`SELECT items FROM recommendations WHERE build_id = $1 AND customer_id = $2`, [
        buildId,
        customerId,
      ]),
    );
    return row?.items ?? null;
  }

  async itemList(buildId: string, kind: ItemListKind, key: string): Promise<RankedItem[] | null> {
    const [row] = rowsOf<{ items: RankedItem[] }>(
      await this.db.query(`SELECT items FROM item_lists WHERE build_id = $1 AND kind = $2 AND key = $3`, [
        buildId,
        kind,
        key,
      ]),
    );
    return row?.items ?? null;
  }

  /** Streams every customer's list of a build in pages (for `nextbuy export`). */
  async *allRecommendations(buildId: string, pageSize = 2000): AsyncGenerator<CustomerList[]> {
    let after = '';
    for (;;) {
      const rows = rowsOf<CustomerList>(
        await this.db.query(
          `SELECT customer_id, items FROM recommendations WHERE build_id = $1 AND customer_id > $2 ORDER BY customer_id LIMIT $3`,
          [buildId, after, pageSize],
        ),
      );
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]!.customer_id;
    }
  }

  async countRecommendations(buildId: string): Promise<number> {
    const [row] = rowsOf<{ n: number }>(
      await this.db.query(`SELECT count(*)::int AS n FROM recommendations WHERE build_id = $1`, [buildId]),
    );
    return row?.n ?? 0;
  }
}
