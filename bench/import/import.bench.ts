/**
 * Bulk import benchmark: the full canonical Online Retail events file into a fresh database, then
 * the same file again (every row a duplicate). Prints rows, seconds, events/s, peak RSS and where
 * the time went.
 *
 *   npx turbo run build --filter=@nextbuy/cli...     # the bench runs the built packages
 *   npx nextbuy dataset online-retail                # writes data/online-retail/*.csv.gz
 *   npx tsx bench/import/import.bench.ts [--file data/online-retail/events.csv.gz] [--merge-every N]
 */
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Client } from 'pg';
import { createDataSource, migrate, quoteIdent } from '@nextbuy/db';
import { importFile, type ImportSummary } from '@nextbuy/importer';

const RSS_SAMPLE_MS = 50;
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, migrated database of its own, dropped at the end. */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = new URL(SERVER_URL);
  const name = `nextbuy_bench_import_${process.pid}`;
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return {
    url: url.toString(),
    drop: async () => {
      const admin = new Client({ connectionString: SERVER_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await admin.end();
    },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const file = arg('file') ?? 'data/online-retail/events.csv.gz';
  const mergeEveryRows = arg('merge-every') ? Number(arg('merge-every')) : undefined;
  const asyncCommit = arg('sync-commit') === undefined;
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npx nextbuy dataset online-retail\` first`);
  }
  const db = await freshDatabase();
  const dataSource = await createDataSource({
    url: db.url,
    poolSize: 2,
    applicationName: 'bench-import',
  }).initialize();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, RSS_SAMPLE_MS);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const report = (label: string, s: ImportSummary) => {
    console.log(
      `${label.padEnd(10)} rows ${s.read}  stored ${s.stored}  duplicates ${s.duplicates}  rejected ${s.rejected}  ` +
        `${s.seconds.toFixed(2)} s  ${s.rowsPerSecond.toLocaleString('en')} events/s  peak RSS ${mib(peakRss)}`,
    );
    const t = s.timings;
    console.log(
      `${''.padEnd(10)} parse ${t.parseMs} ms  validate+ids+encode ${t.validateMs} ms  COPY wait ${t.copyWaitMs} ms  merge ${t.mergeMs} ms (waited ${t.mergeWaitMs} ms)`,
    );
  };
  try {
    console.log(`machine: ${cpus().length} cores, ${mib(totalmem())}; node ${process.version}; file ${file}`);
    const first = await importFile(dataSource, { kind: 'events', file, mergeEveryRows, asyncCommit });
    report('import', first);
    peakRss = process.memoryUsage().rss;
    const again = await importFile(dataSource, { kind: 'events', file, mergeEveryRows, asyncCommit });
    report('re-import', again);
  } finally {
    clearInterval(sampler);
    await dataSource.destroy();
    await db.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
