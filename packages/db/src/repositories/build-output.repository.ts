import type { DataSource } from 'typeorm';
import type { RankedItem } from '@nextbuy/contracts';
import { rowsOf } from './sql';

export const ITEM_LIST_KINDS = ['similar', 'bought_together', 'popular'] as const;
export type ItemListKind = (typeof ITEM_LIST_KINDS)[number];

export interface CustomerList {
  customer_id: string;
  items: RankedItem[];
}

export interface KeyedList {
  key: string;
  items: RankedItem[];
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
   * overwrites its own output and nothing else.
   */
  async writeRecommendations(buildId: string, lists: readonly CustomerList[]): Promise<void> {
    if (lists.length === 0) return;
    const ids = lists.map((l) => l.customer_id);
    await this.db.transaction(async (m) => {
      await m.query(`DELETE FROM recommendations WHERE build_id = $1 AND customer_id = ANY($2::text[])`, [
        buildId,
        ids,
      ]);
      await m.query(
        `INSERT INTO recommendations (build_id, customer_id, items)
         SELECT $1, c, i FROM unnest($2::text[], $3::jsonb[]) AS t(c, i)`,
        [buildId, ids, lists.map((l) => JSON.stringify(l.items))],
      );
    });
  }

  async writeItemLists(buildId: string, kind: ItemListKind, lists: readonly KeyedList[]): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query(`DELETE FROM item_lists WHERE build_id = $1 AND kind = $2`, [buildId, kind]);
      for (let i = 0; i < lists.length; i += 5000) {
        const chunk = lists.slice(i, i + 5000);
        await m.query(
          `INSERT INTO item_lists (build_id, kind, key, items)
           SELECT $1, $2, k, i FROM unnest($3::text[], $4::jsonb[]) AS t(k, i)`,
          [buildId, kind, chunk.map((l) => l.key), chunk.map((l) => JSON.stringify(l.items))],
        );
      }
    });
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
