/**
 * The product path on a synthetic preset, measured per stage and per process: generate, import,
 * rebuild through the queues with `npm start`'s processes (ingestion, 2 features workers,
 * 2 candidates rebuild workers, the real-time candidates process, serving), then the issue's two
 * serving measurements: storefront reads at a steady rate over random customers from a cold cache
 * (each customer asked once; the load client in a process of its own, `bench/serving/pace.ts`), and
 * real-time probes (cart_add → the product in the served top 10) while a background load of events
 * arrives (`bench/realtime/event-load.ts`, its own process). For each stage: wall time, and per
 * process CPU seconds and peak RSS (VmHWM, read from /proc/<pid>/status and /proc/<pid>/stat every
 * 250 ms while it runs); then the database size of the build's outputs and Redis memory.
 *
 *   npm run build
 *   npx tsx bench/scale/scale.ts [--preset medium|large] [--dir /tmp/nextbuy-scale-medium]
 *     [--port-base 3290] [--skip-generate] [--skip-import] [--skip-rebuild | --rebuild-only] [--candidates-workers 2]
 *     [--rate 1000] [--steady-seconds 30] [--probes 50] [--background-rate 500] [--skip-realtime] [--profile-serving DIR] [--serving-node-flags "--flag …"] [--serving-stdout FILE] [--database NAME]
 *
 * Everything on its own: database `nextbuy_scale_<preset>` (or --database), queue prefix `scale-<preset>-<pid>`,
 * ports port-base … port-base+6 (the extra workers' health ports included), so it runs beside a
 * dev stack. `--skip-generate` reuses the files in --dir, `--skip-import` the database,
 * `--skip-rebuild` its newest published build (serving and real time only), `--rebuild-only` stops
 * after the rebuild. `--candidates-workers 1`
 * runs one candidates rebuild worker instead of two (the 1 → 2 workers speed-up). `--skip-realtime`
 * stops after the serving reads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeGc, scrapeGc } from '../lib/gc-metrics';
import { cpuSeconds, descendants, peakRssMb } from '../lib/proc';
import { Client } from 'pg';
import Redis from 'ioredis';
import { startEventLoad } from '../realtime/event-load';
import { paceInChild } from '../serving/pace';
// @ts-expect-error -- a plain ES module of the repository's scripts, without types
import { SERVING_NODE_ARGS } from '../../scripts/apps.mjs';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'packages/cli/dist/main.js');
const KEY = 'scale-admin';
const SAMPLE_MS = 250;

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const flag = (name: string) => argv.includes(`--${name}`);
const preset = opt('preset', 'medium');
const dir = opt('dir', `/tmp/nextbuy-scale-${preset}`);
const portBase = Number(opt('port-base', '3290'));
const rate = Number(opt('rate', '1000'));
const steadySeconds = Number(opt('steady-seconds', '30'));
const probes = Number(opt('probes', '50'));
const backgroundRate = Number(opt('background-rate', '500'));
const candidatesWorkers = Number(opt('candidates-workers', '2'));
const profileDir = opt('profile-serving', '');
/** `--serving-node-flags "--flag …"`: node flags for serving besides `npm start`'s (experiments with V8's heap). */
const servingNodeFlags = opt('serving-node-flags', '').split(' ').filter(Boolean);
const servingStdout = opt('serving-stdout', '');
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbUrl = (() => {
  const u = new URL(serverUrl);
  u.pathname = `/${opt('database', `nextbuy_scale_${preset}`)}`;
  return u.toString();
})();
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `scale-${preset}-${process.pid}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds and peak RSS of a process and its descendants, sampled from /proc. */
interface ProcStats {
  cpuS: number;
  peakRssMb: number;
}
function readProc(pid: number): ProcStats | undefined {
  const cpuS = cpuSeconds(pid);
  const peak = peakRssMb(pid);
  return cpuS === undefined || peak === undefined ? undefined : { cpuS, peakRssMb: peak };
}

/** Samples named processes (each with its descendants) until `stop`; returns the last figures. */
function sampler(processes: Map<string, number>) {
  const last = new Map<string, ProcStats>();
  // Walking /proc for descendants costs more than the reads themselves: every 20th sample only
  // (the apps do not fork; the CLI's children live for its whole run).
  const trees = new Map<string, number[]>();
  let samples = 0;
  const take = () => {
    const walk = samples++ % 20 === 0;
    for (const [name, pid] of processes) {
      let cpuS = 0;
      let peakRssMb = 0;
      if (walk || !trees.has(name)) trees.set(name, [pid, ...descendants(pid)]);
      for (const p of trees.get(name)!) {
        const s = readProc(p);
        if (!s) continue;
        cpuS += s.cpuS;
        peakRssMb = Math.max(peakRssMb, s.peakRssMb);
      }
      const prev = last.get(name);
      if (!prev || cpuS >= prev.cpuS)
        last.set(name, { cpuS, peakRssMb: Math.max(peakRssMb, prev?.peakRssMb ?? 0) });
    }
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  return {
    snapshot: () => {
      take();
      return new Map(last);
    },
    stop: () => clearInterval(timer),
  };
}

const rows: string[] = [];
function print(line: string): void {
  console.log(line);
  rows.push(line);
}
function report(stage: string, wallS: number, before: Map<string, ProcStats>, after: Map<string, ProcStats>) {
  const parts = [...after].map(([name, a]) => {
    const cpu = a.cpuS - (before.get(name)?.cpuS ?? 0);
    return `${name} ${cpu.toFixed(1)} s CPU, peak ${Math.round(a.peakRssMb)} MB`;
  });
  const line = `${stage.padEnd(22)} ${wallS.toFixed(1).padStart(7)} s wall | ${parts.join(' | ')}`;
  rows.push(line);
  console.log(line);
}

/** Runs a CLI command to its end, measured as one process tree. */
async function runMeasured(stage: string, args: string[], env: Record<string, string>): Promise<void> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  const s = sampler(new Map([[stage, child.pid!]]));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const after = s.snapshot();
  s.stop();
  if (code !== 0) throw new Error(`${stage}: exit ${code}`);
  report(stage, (performance.now() - t0) / 1000, new Map(), after);
}

/** Starts a rebuild through the ingestion API and waits for it to publish; returns its id. */
async function rebuild(
  api: (app: 'ingestion', path: string) => string,
  headers: Record<string, string>,
  onFailure: () => void,
): Promise<string> {
  const started = (await (
    await fetch(api('ingestion', '/v1/rebuilds'), { method: 'POST', headers, body: '{}' })
  ).json()) as { build_id: string };
  for (;;) {
    const build = (await (
      await fetch(api('ingestion', `/v1/rebuilds/${started.build_id}`), { headers })
    ).json()) as { status: string; error?: string };
    if (build.status === 'published') return started.build_id;
    if (build.status === 'failed') {
      onFailure(); // what the processes used until then is still worth printing
      throw new Error(`rebuild failed: ${build.error ?? ''}`);
    }
    await sleep(500);
  }
}

async function main(): Promise<void> {
  const env = { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn', NO_PRETTY_LOGS: '1' };
  if (!flag('skip-generate'))
    await runMeasured('generate', ['dataset', 'synthetic', '--preset', preset, '--out', dir], env);
  if (!flag('skip-import')) {
    await runMeasured('migrate', ['migrate'], env);
    await runMeasured(
      'import',
      ['import', ...['products', 'customers', 'events'].flatMap((k) => [`--${k}`, join(dir, `${k}.csv.gz`)])],
      env,
    );
  }

  // npm start's processes (scripts/apps.mjs), on ports of our own.
  const ports = {
    ingestion: portBase,
    features: portBase + 1,
    candidates: portBase + 2,
    realtime: portBase + 3,
    serving: portBase + 4,
  };
  const shared: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    NEXTBUY_API_KEYS: `${KEY}:admin`,
    INGESTION_PORT: String(ports.ingestion),
    FEATURES_PORT: String(ports.features),
    CANDIDATES_PORT: String(ports.candidates),
    SERVING_PORT: String(ports.serving),
  };
  const layout: [name: string, app: string, env: Record<string, string>, nodeArgs: string[]][] = [
    ['ingestion', 'ingestion', {}, []],
    ['features', 'features', {}, []],
    ['features-2', 'features', { FEATURES_PORT: String(portBase + 5) }, []],
    ['candidates', 'candidates', { CANDIDATES_ROLE: 'rebuild' }, []],
    ['candidates-2', 'candidates', { CANDIDATES_ROLE: 'rebuild', CANDIDATES_PORT: String(portBase + 6) }, []],
    ['realtime', 'candidates', { CANDIDATES_ROLE: 'realtime', CANDIDATES_PORT: String(ports.realtime) }, []],
    ['serving', 'serving', {}, [...SERVING_NODE_ARGS, ...servingNodeFlags]],
  ];
  if (candidatesWorkers < 2)
    layout.splice(
      layout.findIndex(([name]) => name === 'candidates-2'),
      1,
    );
  const children: ChildProcess[] = [];
  /** Closed in `finally` whatever happened: an open client or a sampling timer keeps the process alive. */
  const closers: (() => unknown)[] = [];
  const pids = new Map<string, number>();
  const healthPorts: number[] = [];
  try {
    for (const [name, app, extra, nodeArgs] of layout) {
      // `--profile-serving DIR`: a V8 CPU profile of serving, written to DIR when it exits.
      const profile = name === 'serving' && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      const child = spawn(
        process.execPath,
        [...nodeArgs, ...profile, join(ROOT, 'apps', app, 'dist/main.js')],
        {
          env: { ...shared, ...extra },
          // `--serving-stdout FILE`: what serving prints (e.g. `--serving-node-flags --trace-gc`) goes there.
          stdio: [
            'ignore',
            name === 'serving' && servingStdout ? openSync(servingStdout, 'w') : 'ignore',
            'inherit',
          ],
        },
      );
      children.push(child);
      pids.set(name, child.pid!);
      const port = Number(
        extra.FEATURES_PORT ?? extra.CANDIDATES_PORT ?? shared[`${app.toUpperCase()}_PORT`],
      );
      healthPorts.push(port);
    }
    for (const port of healthPorts) {
      const deadline = Date.now() + 300_000;
      while (
        !(await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error(`port ${port} did not come up`);
        const exited = children.findIndex((c) => c.exitCode !== null);
        if (exited >= 0) throw new Error(`${layout[exited]![0]} exited with ${children[exited]!.exitCode}`);
        await sleep(250);
      }
    }
    const headers = { 'x-api-key': KEY, 'content-type': 'application/json' };
    const api = (app: keyof typeof ports, path: string) => `http://127.0.0.1:${ports[app]}${path}`;
    const s = sampler(pids);
    closers.push(() => s.stop());

    const pg = new Client({ connectionString: dbUrl });
    await pg.connect();
    closers.push(() => pg.end().catch(() => undefined));

    // The rebuild, through the queues (or, with --skip-rebuild, the newest published build).
    let before = s.snapshot();
    let t0 = performance.now();
    let buildId: string;
    if (flag('skip-rebuild')) {
      const [newest] = (
        await pg.query<{ id: string }>(
          `SELECT id FROM builds WHERE status = 'published' ORDER BY published_at DESC LIMIT 1`,
        )
      ).rows;
      if (!newest) throw new Error('--skip-rebuild: the database has no published build');
      buildId = newest.id;
    } else {
      buildId = await rebuild(api, headers, () => {
        report(`rebuild FAILED`, (performance.now() - t0) / 1000, before, s.snapshot());
      });
      report(
        `rebuild ${buildId} (${candidatesWorkers} candidates worker${candidatesWorkers === 1 ? '' : 's'})`,
        (performance.now() - t0) / 1000,
        before,
        s.snapshot(),
      );
      const [row] = (
        await pg.query<{
          stages: Record<string, { started_at?: string; finished_at?: string }>;
          counts: Record<string, number>;
        }>(`SELECT stages, counts FROM builds WHERE id = $1`, [buildId])
      ).rows;
      for (const [stage, st] of Object.entries(row?.stages ?? {})) {
        if (!st.started_at || !st.finished_at) continue;
        const secs = (Date.parse(st.finished_at) - Date.parse(st.started_at)) / 1000;
        print(`  stage ${stage.padEnd(24)} ${secs.toFixed(1).padStart(7)} s`);
      }
      print(`  counts ${JSON.stringify(row?.counts)}`);
    }

    if (!flag('rebuild-only')) {
      // Serving: a steady `rate` over random customers, each asked once, from a cold cache (serving
      // restarted empty-handed is not needed: no customer of the sample was asked before).
      const sample = (
        await pg.query<{ customer_id: string }>(
          `SELECT customer_id FROM customers ORDER BY random() LIMIT $1`,
          [Math.max(probes * 20, Math.round(rate * (steadySeconds + 1)))],
        )
      ).rows.map((r) => r.customer_id);
      await sleep(1000); // serving follows the publish
      if (steadySeconds > 0) {
        before = s.snapshot();
        const gcBefore = await scrapeGc(ports.serving);
        t0 = performance.now();
        const steady = await paceInChild({
          port: ports.serving,
          paths: sample.map((c) => `/v1/customers/${encodeURIComponent(c)}/recommendations`),
          rate,
          seconds: steadySeconds,
          headers: { 'x-api-key': KEY },
        });
        const after = s.snapshot();
        report(`serving ${steady.requests} reads`, (performance.now() - t0) / 1000, before, after);
        const servingCpu = (after.get('serving')!.cpuS - before.get('serving')!.cpuS) / steady.requests;
        print(
          `  serving at a steady ${rate} req/s for ${steadySeconds} s, random customers, cold cache: ` +
            `${steady.rps.toFixed(0)} req/s, p50 ${steady.p50} ms, p90 ${steady.p90} ms, p99 ${steady.p99} ms, ` +
            `max ${steady.max} ms, ${steady.errors} errors; serving ${(servingCpu * 1e6).toFixed(0)} us CPU per request ` +
            `(client sent p99 ${steady.sentLateP99} ms late)`,
        );
        for (const line of describeGc(gcBefore, await scrapeGc(ports.serving))) print(`  serving ${line}`);
      }

      if (!flag('skip-realtime')) {
        // Real time: cart_add of a product not in the customer's top 10 → it shows up there, while
        // `backgroundRate` events/s of other shoppers arrive.
        const products = (
          await pg.query<{ product_id: string }>(`SELECT product_id FROM products WHERE available`)
        ).rows.map((r) => r.product_id);
        // Events on the store's own clock: just after its last event, as if it were now. With the wall
        // clock, a synthetic store (its data ends in 2024) would have every later rebuild's as_of
        // jump to today, two years past its purchases.
        const lastEvent = Number(
          (await pg.query<{ t: string }>(`SELECT extract(epoch FROM max(ts)) * 1000 AS t FROM events`))
            .rows[0]!.t,
        );
        const clockOffsetMs = Math.min(0, lastEvent + 60_000 - Date.now());
        const storeNow = () => new Date(Date.now() + clockOffsetMs).toISOString();
        const load = startEventLoad({
          clockOffsetMs,
          url: api('ingestion', ''),
          headers: { 'x-api-key': KEY },
          customers: sample.slice(probes),
          products,
          rate: backgroundRate,
        });
        await sleep(2000); // the load settles
        before = s.snapshot();
        t0 = performance.now();
        const probeMs: number[] = [];
        let timeouts = 0;
        const unseen: string[] = [];
        for (let i = 0; i < probes; i++) {
          const c = sample[i]!;
          const top = async () =>
            (
              (await (
                await fetch(
                  api('serving', `/v1/customers/${encodeURIComponent(c)}/recommendations?limit=10`),
                  {
                    headers,
                  },
                )
              ).json()) as {
                items: { product_id: string }[];
              }
            ).items.map((x) => x.product_id);
          const now = await top();
          let p = products[Math.floor(Math.random() * products.length)]!;
          while (now.includes(p)) p = products[Math.floor(Math.random() * products.length)]!;
          const t = performance.now();
          const res = await fetch(api('ingestion', '/v1/events'), {
            method: 'POST',
            headers,
            body: JSON.stringify([
              { customer_id: c, product_id: p, type: 'cart_add', timestamp: storeNow() },
            ]),
          });
          await res.arrayBuffer();
          if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}`);
          let seen = false;
          while (!(seen = (await top()).includes(p)) && performance.now() - t < 15_000) await sleep(20);
          probeMs.push(performance.now() - t);
          if (!seen) {
            // Late, or refreshed but ranked below the top 10? Where the product stands in the whole list.
            timeouts++;
            const all = (
              (await (
                await fetch(
                  api('serving', `/v1/customers/${encodeURIComponent(c)}/recommendations?limit=50`),
                  {
                    headers,
                  },
                )
              ).json()) as { items: { product_id: string }[] }
            ).items.map((x) => x.product_id);
            const rank = all.indexOf(p);
            unseen.push(rank < 0 ? 'not in the 50' : `rank ${rank + 1}`);
          }
        }
        const background = await load.stop();
        report(`realtime ${probes} probes`, (performance.now() - t0) / 1000, before, s.snapshot());
        probeMs.sort((x, y) => x - y);
        const q = (f: number) =>
          probeMs[Math.min(probeMs.length - 1, Math.floor(f * probeMs.length))]!.toFixed(0);
        print(
          `  cart_add → served top 10: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms, ${timeouts} not seen in 15 s; ` +
            `background ${(background.events / background.seconds).toFixed(0)} events/s accepted, ${background.errors} batches refused`,
        );
        if (unseen.length > 0) print(`  not seen in the top 10 after 15 s: ${unseen.join(', ')}`);
        // The real-time process's own account (its /metrics): refreshes, batch sizes and step times.
        const metrics = await (await fetch(`http://127.0.0.1:${ports.realtime}/metrics`)).text();
        const series = (name: string) =>
          metrics
            .split('\n')
            .filter((l) => l.startsWith(name) && !l.includes('_bucket'))
            .map((l) => l.replace(/^nextbuy_realtime_/, ''))
            .join('; ');
        print(`  real time: ${series('nextbuy_realtime_refreshes_total')}`);
        print(`  real time: ${series('nextbuy_realtime_refresh_seconds')}`);
        print(`  real time: ${series('nextbuy_realtime_batch_step_seconds')}`);
      }
    }
    s.stop();

    // What one build weighs in Postgres, and the cache in Redis.
    const size = async (sql: string) =>
      Number((await pg.query<{ b: string }>(sql, [buildId])).rows[0]!.b) / 1048576;
    const recs = await size(
      `SELECT coalesce(sum(pg_column_size(r.*)), 0)::bigint AS b FROM recommendations r WHERE build_id = $1`,
    );
    const lists = await size(
      `SELECT coalesce(sum(pg_column_size(l.*)), 0)::bigint AS b FROM item_lists l WHERE build_id = $1`,
    );
    const arts = await size(
      `SELECT coalesce(sum(pg_column_size(a.*)), 0)::bigint AS b FROM build_artifacts a WHERE build_id = $1`,
    );
    const listCount = Number(
      (
        await pg.query<{ n: string }>(`SELECT count(*) AS n FROM recommendations WHERE build_id = $1`, [
          buildId,
        ])
      ).rows[0]!.n,
    );
    const dbLine = `  build ${buildId} in Postgres: recommendations ${recs.toFixed(1)} MB (${((recs * 1048576) / Math.max(1, listCount)).toFixed(0)} B per stored list, ${listCount} lists), item lists ${lists.toFixed(1)} MB, artifacts ${arts.toFixed(1)} MB (stored, compressed)`;
    console.log(dbLine);
    rows.push(dbLine);
    // This stack's keys (cache and queues, all under its prefix): MEMORY USAGE of each.
    const redis = new Redis(redisUrl);
    let keys = 0;
    let bytes = 0;
    for await (const batch of stackKeys(redis)) {
      for (const k of batch) {
        keys++;
        bytes += (await redis.memory('USAGE', k)) ?? 0;
      }
    }
    const info = await redis.info('memory');
    redis.disconnect();
    const redisLine = `  Redis: this stack's ${keys} keys ${(bytes / 1048576).toFixed(1)} MB; used_memory ${(Number(/used_memory:(\d+)/.exec(info)![1]) / 1048576).toFixed(1)} MB (the shared Redis, every stack on this machine)`;
    console.log(redisLine);
    rows.push(redisLine);
  } finally {
    for (const close of closers) await close();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : Promise.resolve())),
    );
    await dropStackKeys().catch((e: Error) => console.error(`the stack's Redis keys stay: ${e.message}`));
    console.log(`\n${preset} (${existsSync(dir) ? dir : ''}):\n${rows.join('\n')}`);
  }
}

/**
 * Removes this stack's keys (its cache and queues, all under its prefix) once its processes are gone:
 * each run has a prefix of its own, so what it left would only pile up in the shared Redis (a cold
 * serving run of the medium store leaves ~160 MB).
 */
async function dropStackKeys(): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for await (const batch of stackKeys(redis)) if (batch.length > 0) await redis.unlink(...batch);
  } finally {
    redis.disconnect();
  }
}

/** This stack's keys (its cache and queues, all under its prefix), in batches as SCAN gives them. */
function stackKeys(redis: Redis): AsyncIterable<string[]> {
  return redis.scanStream({ match: `${prefix}:*`, count: 1000 });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
