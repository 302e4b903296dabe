/**
 * What one customer's stored list weighs, as JSON (before compact lists) and packed, in Postgres
 * (`pg_column_size` of the stored value: `json` with the column's lz4, against `bytea`) and in Redis
 * (`MEMORY USAGE` of serving's cache keys), for a sample of a store's customers ranked as a build
 * ranks them:
 *   npx tsx bench/engine/list-bytes.ts [every-nth-customer, default 10] [--data DIR]
 * Uses a scratch database of its own (`$BENCH_DB_PREFIX_<pid>`, dropped at the end) and keys under a
 * prefix of its own (`$BENCH_KEY_PREFIX-<pid>`).
 */
import {
  buildAttributeGraph,
  buildCustomerAffinities,
  buildCustomerNeighbours,
  buildItemGraphs,
  buildItemStats,
  buildTrainingWindow,
  encodeList,
  mergeTrainingSets,
  rankShard,
  resolveConfig,
  trainRankerModel,
  type FeatureArtifacts,
} from '@nextbuy/engine';
import { encodeListCache, encodeTopAnswer } from '@nextbuy/server';
import Redis from 'ioredis';
import { Client } from 'pg';
import {
  segmentOf,
  snapshotDictionary,
  snapshotNames,
  toRankedItems,
  toStoredItems,
} from '../../apps/candidates/src/rebuild/ranked-items';
import { dataDirArg, loadDataset } from './load';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const every = Number(process.argv[2]?.startsWith('--') ? 10 : (process.argv[2] ?? 10));

async function main() {
  const config = resolveConfig();
  const s = loadDataset(dataDirArg());
  const attributes = buildAttributeGraph(s, config);
  const artifacts: FeatureArtifacts = {
    itemStats: buildItemStats(s, config),
    graphs: buildItemGraphs(s, config),
    attributes,
    affinities: buildCustomerAffinities(s, config),
    neighbours: buildCustomerNeighbours(s, config),
  };
  const windows = [];
  for (let w = 1; w <= config.ranker.trainingWindows; w++)
    windows.push(buildTrainingWindow(s, config, w, { attributes }));
  const model = trainRankerModel(mergeTrainingSets(windows), config.ranker);
  const sample = Int32Array.from({ length: Math.ceil(s.customers.ids.length / every) }, (_, i) => i * every);
  const names = snapshotNames(s);
  const dictionary = snapshotDictionary(s);
  const lists = rankShard(s, artifacts, model, sample, config).map((l) => {
    const items = toRankedItems(l.items, s);
    return {
      id: l.customerId,
      json: JSON.stringify(items),
      cache: encodeListCache(items),
      top: encodeTopAnswer(items),
      packed: encodeList(
        { items: toStoredItems(l.items, s), segment: segmentOf(s, l.customer) },
        names,
        dictionary,
      ),
    };
  });

  const dbName = `${process.env.BENCH_DB_PREFIX ?? 'nextbuy_list_bytes'}_${process.pid}`;
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${dbName}`;
  const db = new Client({ connectionString: url.toString() });
  const redis = new Redis(REDIS_URL);
  const prefix = `${process.env.BENCH_KEY_PREFIX ?? 'list-bytes'}-${process.pid}`;
  try {
    await db.connect();
    // The columns as migrations 1764000600000 (json, lz4) and 1764001000000 (bytea) make them.
    await db.query(`CREATE TABLE lists (id text PRIMARY KEY, items json, packed bytea)`);
    await db.query(`ALTER TABLE lists ALTER COLUMN items SET COMPRESSION lz4`).catch(() => undefined);
    for (const l of lists) await db.query(`INSERT INTO lists VALUES ($1, $2, $3)`, [l.id, l.json, l.packed]);
    const [pg] = (
      await db.query<{ json: string; packed: string }>(
        `SELECT avg(pg_column_size(items))::int AS json, avg(pg_column_size(packed))::int AS packed FROM lists`,
      )
    ).rows;
    const memory = async (values: (string | Buffer)[], kind: string) => {
      let total = 0;
      for (let i = 0; i < values.length; i++) {
        const key = `${prefix}:${kind}:${i}`;
        await redis.set(key, values[i]!);
        total += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
        await redis.del(key);
      }
      return Math.round(total / values.length);
    };
    const n = lists.length;
    const avg = (f: (l: (typeof lists)[number]) => number) =>
      Math.round(lists.reduce((t, l) => t + f(l), 0) / n);
    console.log(`${n} customers (every ${every}th of ${dataDirArg()}), bytes per customer:`);
    console.log(
      `  JSON text ${avg((l) => Buffer.byteLength(l.json))}, packed ${avg((l) => l.packed.length)}`,
    );
    console.log(`  Postgres pg_column_size: json (lz4) ${pg!.json}, packed bytea ${pg!.packed}`);
    const rec = await memory(
      lists.map((l) => l.cache),
      'rec',
    );
    const top = await memory(
      lists.map((l) => l.top),
      'top',
    );
    const packed = await memory(
      lists.map((l) => l.packed),
      'packed',
    );
    console.log(
      `  Redis MEMORY USAGE: item-lines list ${rec} + top ${top} = ${rec + top}; packed list ${packed}`,
    );
  } finally {
    redis.disconnect();
    await db.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.end();
  }
}

void main();
