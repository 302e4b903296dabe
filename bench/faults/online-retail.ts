/**
 * The Online Retail data (`data/online-retail/*.csv.gz`) in a database of the fault bench's own on the
 * machine's Postgres, imported once and kept between runs (`--fresh` imports it again).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDataSource, migrate } from '@nextbuy/db';
import { importFile } from '@nextbuy/importer';
import { ROOT } from '../../test/faults/processes';

const SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
export const BENCH_DATABASE_URL = `${SERVER}/nextbuy_bench_faults`;
const DATA = join(ROOT, 'data/online-retail');

export async function onlineRetailDatabase(fresh: boolean): Promise<string> {
  for (const kind of ['products', 'customers', 'events'])
    if (!existsSync(join(DATA, `${kind}.csv.gz`)))
      throw new Error(
        `${DATA}/${kind}.csv.gz is missing: copy the Online Retail files there (docs/datasets.md)`,
      );
  if (fresh) {
    const admin = new Client({ connectionString: `${SERVER}/postgres` });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS nextbuy_bench_faults WITH (FORCE)');
    await admin.end();
  }
  await migrate(BENCH_DATABASE_URL);
  const db = await createDataSource({ url: BENCH_DATABASE_URL, poolSize: 4 }).initialize();
  try {
    const [{ n }] = await db.query<[{ n: number }]>('SELECT count(*)::int AS n FROM events');
    if (n > 0) return BENCH_DATABASE_URL;
    for (const kind of ['products', 'customers', 'events'] as const) {
      const summary = await importFile(db, { kind, file: join(DATA, `${kind}.csv.gz`) });
      console.log(`imported ${kind}: ${summary.stored} rows in ${summary.seconds.toFixed(1)} s`);
    }
  } finally {
    await db.destroy();
  }
  return BENCH_DATABASE_URL;
}
