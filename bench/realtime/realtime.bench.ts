/**
 * Real-time refresh latency: time from the 202 of a cart_add to the served list showing the product
 * (in its top 10), while a background load of 500 events/s runs through POST /v1/events.
 *
 * Self-contained: a fresh database with a synthetic shop, the apps (built `dist`) started the way
 * `npm start` runs them — separate processes: ingestion, features, candidates (CANDIDATES_ROLE
 * rebuild), candidates (CANDIDATES_ROLE realtime), serving — on bench ports, one rebuild, then the
 * measurement. `--in-process` runs the four apps in this process instead (one candidates app with
 * both queues, sharing one event loop with the load generator: the pessimistic layout). The
 * background load is session shaped: every 100 ms, 10 shoppers each send a batch of 5 events
 * (500 events/s, up to 100 customer refreshes/s once debounced).
 *
 *   npx turbo run build --filter=@nextbuy/candidates... --filter=@nextbuy/ingestion... \
 *     --filter=@nextbuy/serving... --filter=@nextbuy/features...
 *   npx tsx bench/realtime/realtime.bench.ts [--probes 200] [--customers 3000] [--products 400] \
 *     [--rate 500] [--seconds 60] [--in-process] [--port-base 3190] [--cpu-prof-dir DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { parseEnv, type Env } from '@nextbuy/config';
import { createDataSource, migrate, quoteIdent } from '@nextbuy/db';
import { importFile } from '@nextbuy/importer';
import { createHttpApp } from '@nextbuy/server';
import { writeSyntheticRetail } from '@nextbuy/testing';
import { startEventLoad } from './event-load';

/* eslint-disable @typescript-eslint/no-require-imports -- Nest apps run from dist (decorator metadata) */
const apps = () => ({
  ingestion: require('../../apps/ingestion/dist/app.module') as AppModuleFile,
  features: require('../../apps/features/dist/app.module') as AppModuleFile,
  candidates: require('../../apps/candidates/dist/app.module') as AppModuleFile,
  serving: require('../../apps/serving/dist/app.module') as AppModuleFile,
});
/* eslint-enable @typescript-eslint/no-require-imports */
type AppModuleFile = { AppModule: { forRoot(env: Env): Parameters<typeof createHttpApp>[0] } };

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const KEY = 'bench-admin';
/** A list "changed" once the cart-added product is in its top 10. */
const VISIBLE_RANK = 10;
const POLL_MS = 20;
const PROBE_TIMEOUT_MS = 10_000;
const PROBE_CONCURRENCY = 4;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const probes = arg('probes', 200);
  const nCustomers = arg('customers', 3000);
  const nProducts = arg('products', 400);
  const rate = arg('rate', 500);
  const minSeconds = arg('seconds', 60);
  const name = `nextbuy_bench_realtime_${process.pid}`;
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  const dir = mkdtempSync(join(tmpdir(), 'nextbuy-rt-bench-'));
  const prefix = `bench-rt-${process.pid}`;
  const env = parseEnv({
    ...process.env,
    LOG_LEVEL: 'warn',
    DATABASE_URL: url.toString(),
    QUEUE_PREFIX: prefix,
    NEXTBUY_API_KEYS: `${KEY}:admin`,
    REBUILD_SHARDS: '2',
  });
  const headers = { 'x-api-key': KEY, 'content-type': 'application/json' };
  const running: { close(): Promise<void> }[] = [];
  const children: ChildProcess[] = [];
  try {
    const fixture = writeSyntheticRetail(dir, { customers: nCustomers, products: nProducts });
    const db = await createDataSource({ url: url.toString(), poolSize: 2 }).initialize();
    for (const kind of ['products', 'customers', 'events'] as const)
      await importFile(db, { kind, file: fixture[kind] });
    await db.destroy();

    const base: Record<string, string> = {};
    if (process.argv.includes('--in-process')) {
      for (const [app, file] of Object.entries(apps())) {
        const a = await createHttpApp(file.AppModule.forRoot(env), { env });
        await a.listen(0, '127.0.0.1');
        running.push(a);
        base[app] = (await a.getUrl()).replace('[::1]', '127.0.0.1');
      }
      base.realtime = base.candidates!;
    } else {
      const portBase = arg('port-base', 3190);
      const ports = {
        ingestion: portBase,
        features: portBase + 1,
        candidates: portBase + 2,
        realtime: portBase + 3,
        serving: portBase + 4,
      };
      const shared = {
        ...process.env,
        LOG_LEVEL: 'warn',
        DATABASE_URL: url.toString(),
        QUEUE_PREFIX: prefix,
        NEXTBUY_API_KEYS: `${KEY}:admin`,
        REBUILD_SHARDS: '2',
        INGESTION_PORT: String(ports.ingestion),
        FEATURES_PORT: String(ports.features),
        CANDIDATES_PORT: String(ports.candidates),
        SERVING_PORT: String(ports.serving),
      };
      const processes: [string, string, Record<string, string>][] = [
        ['ingestion', 'ingestion', {}],
        ['features', 'features', {}],
        ['candidates', 'candidates', { CANDIDATES_ROLE: 'rebuild' }],
        ['realtime', 'candidates', { CANDIDATES_ROLE: 'realtime', CANDIDATES_PORT: String(ports.realtime) }],
        ['serving', 'serving', {}],
      ];
      for (const [name, app, extra] of processes) {
        // --cpu-prof-dir DIR: CPU profiles of every app process (written when they stop).
        const profile = process.argv.indexOf('--cpu-prof-dir');
        const execArgv = profile > 0 ? ['--cpu-prof', `--cpu-prof-dir=${process.argv[profile + 1]}`] : [];
        const child = spawn(
          process.execPath,
          [...execArgv, join(__dirname, '../../apps', app, 'dist/main.js')],
          {
            env: { ...shared, ...extra },
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        );
        children.push(child);
        base[name] = `http://127.0.0.1:${ports[name as keyof typeof ports]}`;
      }
      for (const url of Object.values(base)) {
        const deadline = Date.now() + 60_000;
        while (
          !(await fetch(`${url}/health`).then(
            (r) => r.ok,
            () => false,
          ))
        ) {
          if (Date.now() > deadline) throw new Error(`${url} did not come up`);
          await sleep(200);
        }
      }
    }
    const t0 = Date.now();
    const { build_id } = (await (
      await fetch(`${base.ingestion}/v1/rebuilds`, { method: 'POST', headers, body: '{}' })
    ).json()) as { build_id: string };
    for (;;) {
      const b = (await (await fetch(`${base.ingestion}/v1/rebuilds/${build_id}`, { headers })).json()) as {
        status: string;
      };
      if (b.status === 'published') break;
      if (b.status === 'failed') throw new Error('rebuild failed');
      await sleep(200);
    }
    console.log(
      `rebuild of ${nCustomers} customers × ${nProducts} products: ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    const list = async (customer: string): Promise<string[]> => {
      const res = await fetch(`${base.serving}/v1/customers/${customer}/recommendations?limit=50`, {
        headers,
      });
      const body = (await res.json()) as { items: { product_id: string }[] };
      return body.items.map((i) => i.product_id);
    };
    const postEvents = (events: object[]) =>
      fetch(`${base.ingestion}/v1/events`, { method: 'POST', headers, body: JSON.stringify(events) });
    await sleep(500); // serving follows the publish

    // Background load: `rate` events/s in shopper-sized batches, from a process of its own.
    const load = startEventLoad({
      url: base.ingestion!,
      headers: { 'x-api-key': KEY },
      customers: fixture.customerIds,
      products: Array.from({ length: nProducts }, (_, p) => `P${String(p).padStart(3, '0')}`),
      rate,
    });

    const latencies: number[] = [];
    let timeouts = 0;
    let issued = 0;
    const loadStart = Date.now();
    const probe = async () => {
      // At least `probes` probes and `--seconds` of sustained load: a queue that grows shows.
      while (issued < probes || Date.now() - loadStart < minSeconds * 1000) {
        issued++;
        const customer = fixture.customerIds[Math.floor(Math.random() * fixture.customerIds.length)]!;
        const before = await list(customer);
        const candidates = Array.from(
          { length: nProducts },
          (_, p) => `P${String(p).padStart(3, '0')}`,
        ).filter((p) => !before.slice(0, VISIBLE_RANK).includes(p));
        const product = candidates[Math.floor(Math.random() * candidates.length)]!;
        const res = await postEvents([
          {
            customer_id: customer,
            product_id: product,
            type: 'cart_add',
            timestamp: new Date().toISOString(),
          },
        ]);
        const accepted = performance.now();
        if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}`);
        for (;;) {
          const items = await list(customer);
          const rank = items.indexOf(product);
          if (rank >= 0 && rank < VISIBLE_RANK) {
            latencies.push(performance.now() - accepted);
            break;
          }
          if (performance.now() - accepted > PROBE_TIMEOUT_MS) {
            timeouts++;
            break;
          }
          await sleep(POLL_MS);
        }
      }
    };
    await Promise.all(Array.from({ length: PROBE_CONCURRENCY }, probe));
    const background = await load.stop();
    const seconds = (Date.now() - loadStart) / 1000;

    latencies.sort((a, b) => a - b);
    const metrics = await (await fetch(`${base.realtime}/metrics`)).text();
    if (process.env.BENCH_DUMP_METRICS)
      console.log(
        metrics
          .split('\n')
          .filter((l) => l.includes('realtime_batch'))
          .join('\n'),
      );
    const refreshed = /nextbuy_realtime_refreshes_total\{[^}]*outcome="refreshed"[^}]*\} (\d+)/.exec(
      metrics,
    )?.[1];
    const sum = Number(
      /nextbuy_realtime_refresh_seconds_sum\{?[^ ]*\}? ([\d.e+-]+)/.exec(metrics)?.[1] ?? NaN,
    );
    const count = Number(/nextbuy_realtime_refresh_seconds_count\{?[^ ]*\}? (\d+)/.exec(metrics)?.[1] ?? NaN);
    console.log(
      JSON.stringify(
        {
          machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
          layout: process.argv.includes('--in-process') ? 'in-process' : 'processes',
          rate,
          customers: nCustomers,
          products: nProducts,
          seconds: Number(seconds.toFixed(1)),
          background_events_per_s: Math.round(background.events / background.seconds),
          background_errors: background.errors,
          probes: latencies.length,
          timeouts,
          p50_ms: Math.round(pct(latencies, 50)),
          p95_ms: Math.round(pct(latencies, 95)),
          p99_ms: Math.round(pct(latencies, 99)),
          max_ms: Math.round(latencies[latencies.length - 1] ?? NaN),
          refreshes: Number(refreshed ?? NaN),
          refresh_mean_ms: Math.round((sum / count) * 1000 * 10) / 10,
          batch_mean_customers: Number(
            (
              histogramSum(metrics, 'nextbuy_realtime_batch_customers') /
              histogramCount(metrics, 'nextbuy_realtime_batch_customers')
            ).toFixed(1),
          ),
          batch_step_mean_ms: Object.fromEntries(
            ['read', 'load', 'catalog', 'rank', 'write'].map((step) => [
              step,
              Number(
                (
                  (histogramSum(metrics, 'nextbuy_realtime_batch_step_seconds', step) /
                    histogramCount(metrics, 'nextbuy_realtime_batch_step_seconds', step)) *
                  1000
                ).toFixed(1),
              ),
            ]),
          ),
        },
        null,
        2,
      ),
    );
  } finally {
    for (const a of running.reverse()) await a.close().catch(() => undefined);
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null) return resolve(null);
            c.once('exit', resolve);
            c.kill('SIGTERM');
          }),
      ),
    );
    const admin = new Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
    const { clearRedisPrefix } = await import('@nextbuy/testing');
    await clearRedisPrefix(prefix);
  }
}

/** `_sum` / `_count` of a Prometheus histogram in a /metrics text (optionally one `step` label). */
function histogramSum(metrics: string, name: string, step?: string): number {
  return histogramValue(metrics, `${name}_sum`, step);
}
function histogramCount(metrics: string, name: string, step?: string): number {
  return histogramValue(metrics, `${name}_count`, step);
}
function histogramValue(metrics: string, series: string, step?: string): number {
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith(`${series}{`) && (!step || l.includes(`step="${step}"`)));
  return Number(line?.split(' ').at(-1) ?? NaN);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
