import type { PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import type { RankedItem } from '@nextbuy/contracts';
import { CopyWriter, copyOutBytes, copyTextRow, quoteLiteral, type CopyValue } from '../copy';
import { rowsOf } from './sql';

/** Rows of COPY text gathered before one write: fewer, larger protocol messages. */
const COPY_CHUNK_BYTES = 256 * 1024;

/**
 * The largest value one artifact row holds (migration 1764000800000): an artifact of any size is
 * written as ordered chunks of at most this many bytes and read back without ever holding more
 * than the artifact itself (plus one network buffer).
 */
export const ARTIFACT_CHUNK_BYTES = 16 * 1024 * 1024;

export const ITEM_LIST_KINDS = ['similar', 'bought_together', 'popular'] as const;
export type ItemListKind = (typeof ITEM_LIST_KINDS)[number];

/**
 * A customer's stored list as read: the packed bytes of a compact list (engine `decodeList`; names and
 * reason texts are rendered by the reader, from the catalogue), or the items of a build stored as
 * JSON (builds before compact lists, and test fixtures).
 */
export type StoredCustomerList = Buffer | RankedItem[];

export interface CustomerList {
  customer_id: string;
  items: StoredCustomerList;
}

/** Items to store: the items, or their JSON already (a rank shard serialises each list as it is ranked). */
export type ItemsToWrite = RankedItem[] | string;

const itemsJson = (items: ItemsToWrite): string =>
  typeof items === 'string' ? items : JSON.stringify(items);

export interface CustomerListToWrite {
  customer_id: string;
  /** A compact list's bytes (what builds write), or items as JSON. */
  items: ItemsToWrite | Buffer;
}

const isPacked = (items: ItemsToWrite | Buffer): items is Buffer => Buffer.isBuffer(items);
/** The row's two columns: one of them is NULL. */
const listColumns = (items: ItemsToWrite | Buffer): [string | null, Buffer | null] =>
  isPacked(items) ? [null, items] : [itemsJson(items), null];
/** What `SELECT items, packed` gives back, as one value. */
const storedList = (row: { items: RankedItem[] | null; packed: Buffer | null }): StoredCustomerList =>
  row.packed ?? row.items ?? [];

export interface KeyedList {
  key: string;
  items: RankedItem[];
}

export interface KeyedListToWrite {
  key: string;
  /** A compact list's bytes (what builds write for similar and bought together), or items as JSON. */
  items: ItemsToWrite | Buffer;
}

/** Everything a build writes: stage artifacts, per-customer lists, per-product and per-segment lists. */
export class BuildOutputRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Idempotent: a retried stage overwrites its own artifact. Stored as ordered chunks of at most
   * `chunkBytes` (one INSERT each, the bytes sent as a binary parameter, no copy of the artifact),
   * replaced in one transaction so a reader never sees a mix of two writes.
   */
  async saveArtifact(
    buildId: string,
    name: string,
    data: Uint8Array,
    chunkBytes = ARTIFACT_CHUNK_BYTES,
  ): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query(`DELETE FROM build_artifacts WHERE build_id = $1 AND name = $2`, [buildId, name]);
      for (let chunk = 0, at = 0; chunk === 0 || at < data.byteLength; chunk++, at += chunkBytes) {
        const n = Math.min(chunkBytes, data.byteLength - at);
        await m.query(`INSERT INTO build_artifacts (build_id, name, chunk, data) VALUES ($1, $2, $3, $4)`, [
          buildId,
          name,
          chunk,
          Buffer.from(data.buffer, data.byteOffset + at, n),
        ]);
      }
    });
  }

  /**
   * The newest build, other than `exceptBuildId`, whose artifact `name` was made from `inputs` (what
   * `saveArtifactInputs` recorded with it) and is still stored; `null` when there is none.
   */
  async artifactMadeFrom(name: string, inputs: string, exceptBuildId: string): Promise<string | null> {
    const [row] = rowsOf<{ build_id: string }>(
      await this.db.query(
        `SELECT i.build_id FROM build_artifacts i
         WHERE i.name = $1 AND i.chunk = 0 AND i.data = $2 AND i.build_id <> $3
           AND EXISTS (SELECT 1 FROM build_artifacts a WHERE a.build_id = i.build_id AND a.name = $4)
         ORDER BY i.build_id DESC LIMIT 1`,
        [inputsName(name), Buffer.from(inputs), exceptBuildId, name],
      ),
    );
    return row?.build_id ?? null;
  }

  /** Records what artifact `name` of the build was made from (a digest), for `artifactMadeFrom`. */
  async saveArtifactInputs(buildId: string, name: string, inputs: string): Promise<void> {
    await this.saveArtifact(buildId, inputsName(name), Buffer.from(inputs));
  }

  /**
   * Copies artifact `name` of one build to another inside Postgres (its bytes never leave it),
   * replacing what the other had; `false`, and nothing changed, when the first has none (deleted
   * meanwhile).
   */
  async copyArtifact(fromBuildId: string, toBuildId: string, name: string): Promise<boolean> {
    return this.db.transaction(async (m) => {
      // Locked until the copy commits: a build deleted meanwhile cannot take them away half copied.
      const source = rowsOf<{ chunk: number }>(
        await m.query(`SELECT chunk FROM build_artifacts WHERE build_id = $1 AND name = $2 FOR SHARE`, [
          fromBuildId,
          name,
        ]),
      );
      if (source.length === 0) return false;
      await m.query(`DELETE FROM build_artifacts WHERE build_id = $1 AND name = $2`, [toBuildId, name]);
      await m.query(
        `INSERT INTO build_artifacts (build_id, name, chunk, data)
         SELECT $2, name, chunk, data FROM build_artifacts WHERE build_id = $1 AND name = $3`,
        [fromBuildId, toBuildId, name],
      );
      return true;
    });
  }

  /** Drops a build's intermediate artifacts (a training build's, once its model is stored). */
  async deleteArtifacts(buildId: string): Promise<void> {
    await this.db.query(`DELETE FROM build_artifacts WHERE build_id = $1`, [buildId]);
  }

  /**
   * An artifact's bytes, its chunks concatenated into one buffer sized up front. They come through
   * a binary COPY: the driver would return each bytea as hex text (a 16 MB chunk as a 32 MB string).
   */
  async loadArtifact(buildId: string, name: string): Promise<Uint8Array> {
    const data = await this.loadArtifactIfAny(buildId, name);
    if (data === null) throw new Error(`build ${buildId} has no artifact ${name}`);
    return data;
  }

  /** `loadArtifact`, or `null` when the build has no such artifact (one stored by an older version). */
  async loadArtifactIfAny(buildId: string, name: string): Promise<Uint8Array | null> {
    if (!/^\d+$/.test(buildId)) throw new Error(`not a build id: ${buildId}`);
    const runner = this.db.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      const [size] = (
        await client.query<{ chunks: number; bytes: string | null }>(
          `SELECT count(*)::int AS chunks, sum(octet_length(data))::bigint AS bytes
           FROM build_artifacts WHERE build_id = $1 AND name = $2`,
          [buildId, name],
        )
      ).rows;
      if (!size || size.chunks === 0) return null;
      const out = new Uint8Array(Number(size.bytes ?? 0));
      const read = await copyOutBytes(
        client,
        `SELECT data FROM build_artifacts WHERE build_id = ${buildId} AND name = ${quoteLiteral(name)} ORDER BY chunk`,
        out,
      );
      if (read !== out.length) throw new Error(`artifact ${name} of build ${buildId} changed while read`);
      return out;
    } finally {
      await runner.release();
    }
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
      ['build_id', 'customer_id', 'items', 'packed'],
      lists.map((l) => [buildId, l.customer_id, ...listColumns(l.items)]),
    );
  }

  /**
   * Inserts or replaces the lists of a few customers in one statement: the real-time refresh's
   * write (one round trip, no transaction), where a rebuild's bulk COPY would cost four.
   */
  async upsertRecommendations(buildId: string, lists: readonly CustomerListToWrite[]): Promise<void> {
    if (lists.length === 0) return;
    // Arrays of ids and bytes (bytea arrays travel in binary-safe hex); JSON lists as text cast to json.
    const columns = lists.map((l) => listColumns(l.items));
    await this.db.query(
      `INSERT INTO recommendations (build_id, customer_id, items, packed)
       SELECT $1, customer_id, items::json, packed
       FROM unnest($2::text[], $3::text[], $4::bytea[]) AS s(customer_id, items, packed)
       ON CONFLICT (build_id, customer_id) DO UPDATE SET items = EXCLUDED.items, packed = EXCLUDED.packed`,
      [buildId, lists.map((l) => l.customer_id), columns.map((c) => c[0]), columns.map((c) => c[1])],
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
      ['build_id', 'kind', 'key', 'items', 'packed'],
      lists.map((l) => [buildId, kind, l.key, ...listColumns(l.items)]),
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

  /** The customer's list in the build (`StoredCustomerList`), `null` when the build has none. */
  async recommendations(buildId: string, customerId: string): Promise<StoredCustomerList | null> {
    const [list] = await this.recommendationsOf(buildId, [customerId]);
    return list ?? null;
  }

  /**
   * The stored lists of several customers of one build, in the order asked (`null` where the build
   * has none): one statement for what would be one per customer (serving's cold reads, batched per
   * event-loop turn).
   */
  async recommendationsOf(
    buildId: string,
    customerIds: readonly string[],
  ): Promise<(StoredCustomerList | null)[]> {
    const rows = rowsOf<{ customer_id: string; items: RankedItem[] | null; packed: Buffer | null }>(
      await this.db.query(
        `SELECT customer_id, items, packed FROM recommendations WHERE build_id = $1 AND customer_id = ANY($2::text[])`,
        [buildId, [...new Set(customerIds)]],
      ),
    );
    const byCustomer = new Map(rows.map((row) => [row.customer_id, storedList(row)]));
    return customerIds.map((id) => byCustomer.get(id) ?? null);
  }

  /** The product's (or segment's) list of the kind in the build, packed or as JSON (`StoredCustomerList`). */
  async itemList(buildId: string, kind: ItemListKind, key: string): Promise<StoredCustomerList | null> {
    const [row] = rowsOf<{ items: RankedItem[] | null; packed: Buffer | null }>(
      await this.db.query(
        `SELECT items, packed FROM item_lists WHERE build_id = $1 AND kind = $2 AND key = $3`,
        [buildId, kind, key],
      ),
    );
    return row ? storedList(row) : null;
  }

  /** Streams every customer's list of a build in pages (for `nextbuy export`). */
  async *allRecommendations(buildId: string, pageSize = 2000): AsyncGenerator<CustomerList[]> {
    let after = '';
    for (;;) {
      const rows = rowsOf<{ customer_id: string; items: RankedItem[] | null; packed: Buffer | null }>(
        await this.db.query(
          `SELECT customer_id, items, packed FROM recommendations WHERE build_id = $1 AND customer_id > $2 ORDER BY customer_id LIMIT $3`,
          [buildId, after, pageSize],
        ),
      );
      if (rows.length === 0) return;
      yield rows.map((r) => ({ customer_id: r.customer_id, items: storedList(r) }));
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

/** The artifact that records what artifact `name` was made from. */
const inputsName = (name: string) => `${name}.inputs`;
