/**
 * Bulk import benchmark: the full canonical Online Retail events file into a fresh database, then
 * the same file again (every row a duplicate). Prints rows, seconds, events/s, peak RSS and where
 * the time went.
 *
 *   npx turbo run build --filter=@nextbuy/cli...     # the bench runs the built packages
 *   npx nextbuy dataset online-retail                # writes data/online-retail/*.csv.gz
 *   npx tsx bench/import/import.bench.ts [--file data/online-retail/events.csv.gz] [--merge-every N]
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { Client } from 'pg';
import { createDataSource, migrate, quoteIdent } from '@nextbuy/db';
import { importFile, type ImportSummary } from '@nextbuy/importer';
import { cpuSeconds } from '../lib/proc';

const RSS_SAMPLE_MS = 50;
/** How often the Postgres backends' CPU is read from /proc (a backend that ends keeps its last figure). */
const BACKEND_SAMPLE_MS = 200;
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, migrated database of its own, dropped at the end. */
async function freshDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const url = new URL(SERVER_URL);
  const name = `${process.env.BENCH_DATABASE_PREFIX ?? 'nextbuy_bench_import'}_${process.pid}`;
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const admin = new Client({ connectionString: SERVER_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * CPU of the Postgres backends serving one database while `work` runs (Postgres on this machine):
 * its backends are listed every BACKEND_SAMPLE_MS, each counted from its first figure (0 for one that
 * started meanwhile) to its last. Background processes (WAL writer, checkpointer) are not included.
 */
async function backendCpu<T>(database: string, work: () => Promise<T>): Promise<{ value: T; cpuS: number }> {
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect();
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async (initial: boolean) => {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [database],
    );
    for (const { pid } of rows) {
      const s = cpuSeconds(pid);
      if (s === undefined) continue;
      if (!first.has(pid)) first.set(pid, initial ? s : 0);
      last.set(pid, s);
    }
  };
  await sample(true);
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(() => sample(false)).catch(() => undefined);
  }, BACKEND_SAMPLE_MS);
  try {
    const value = await work();
    clearInterval(timer);
    await sampling;
    await sample(false);
    let cpuS = 0;
    for (const [pid, s] of last) cpuS += s - (first.get(pid) ?? 0);
    return { value, cpuS };
  } finally {
    clearInterval(timer);
    await admin.end();
  }
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
  const report = (label: string, s: ImportSummary, cpu: { importerS: number; postgresS: number }) => {
    console.log(
      `${label.padEnd(10)} rows ${s.read}  stored ${s.stored}  duplicates ${s.duplicates}  rejected ${s.rejected}  ` +
        `${s.seconds.toFixed(2)} s  ${s.rowsPerSecond.toLocaleString('en')} events/s  peak RSS ${mib(peakRss)}`,
    );
    const t = s.timings;
    console.log(
      `${''.padEnd(10)} parse ${t.parseMs} ms  validate+ids+encode ${t.validateMs} ms  COPY wait ${t.copyWaitMs} ms  merge ${t.mergeMs} ms (waited ${t.mergeWaitMs} ms)`,
    );
    const perEvent = (cpuS: number) => `${((cpuS / Math.max(s.read, 1)) * 1e6).toFixed(1)} us/event`;
    console.log(
      `${''.padEnd(10)} CPU: importer ${cpu.importerS.toFixed(2)} s (${perEvent(cpu.importerS)})  ` +
        `Postgres backends ${cpu.postgresS.toFixed(2)} s (${perEvent(cpu.postgresS)})  ` +
        `load average ${loadavg()[0]!.toFixed(1)}`,
    );
  };
  const run = async (label: string) => {
    const before = process.cpuUsage();
    const { value, cpuS } = await backendCpu(db.name, () =>
      importFile(dataSource, { kind: 'events', file, mergeEveryRows, asyncCommit }),
    );
    const used = process.cpuUsage(before);
    report(label, value, { importerS: (used.user + used.system) / 1e6, postgresS: cpuS });
  };
  try {
    console.log(`machine: ${cpus().length} cores, ${mib(totalmem())}; node ${process.version}; file ${file}`);
    await run('import');
    peakRss = process.memoryUsage().rss;
    await run('re-import');
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
