/**
 * The product path on a synthetic preset, measured per stage and per process: generate, import,
 * rebuild through the queues with `npm start`'s processes (ingestion, 2 features workers,
 * 2 candidates rebuild workers, the real-time candidates process, serving), sampled serving reads
 * and a few real-time probes (cart_add → the product in the served top 10). For each stage: wall
 * time, and per process CPU seconds and peak RSS (VmHWM, read from /proc/<pid>/status and
 * /proc/<pid>/stat every 250 ms while it runs); then the database size of the build's outputs and
 * Redis memory.
 *
 *   npm run build
 *   npx tsx bench/scale/scale.ts [--preset medium|large] [--dir /tmp/nextbuy-scale-medium]
 *     [--port-base 3290] [--skip-generate] [--skip-import] [--reads 2000] [--probes 10] [--database NAME]
 *
 * Everything on its own: database `nextbuy_scale_<preset>` (or --database), queue prefix `scale-<preset>-<pid>`,
 * ports port-base … port-base+6 (the extra workers' health ports included), so it runs beside a
 * dev stack. `--skip-generate` reuses the files in --dir, `--skip-import` the database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'packages/cli/dist/main.js');
const KEY = 'scale-admin';
const TICKS_PER_SECOND = 100; // USER_HZ: /proc/<pid>/stat counts CPU in these
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
const reads = Number(opt('reads', '2000'));
const probes = Number(opt('probes', '10'));
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
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) ppid(1) … utime(11) stime(12)
    const cpuS = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuS, peakRssMb: hwm ? Number(hwm[1]) / 1024 : 0 };
  } catch {
    return undefined;
  }
}
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      let list = children.get(ppid);
      if (!list) children.set(ppid, (list = []));
      list.push(Number(name));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** Samples named processes (each with its descendants) until `stop`; returns the last figures. */
function sampler(processes: Map<string, number>) {
  const last = new Map<string, ProcStats>();
  const take = () => {
    for (const [name, pid] of processes) {
      let cpuS = 0;
      let peakRssMb = 0;
      for (const p of [pid, ...descendants(pid)]) {
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
    ['serving', 'serving', {}, ['--initial-old-space-size=256']],
  ];
  const children: ChildProcess[] = [];
  /** Closed in `finally` whatever happened: an open client or a sampling timer keeps the process alive. */
  const closers: (() => unknown)[] = [];
  const pids = new Map<string, number>();
  const healthPorts: number[] = [];
  try {
    for (const [name, app, extra, nodeArgs] of layout) {
      const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'apps', app, 'dist/main.js')], {
        env: { ...shared, ...extra },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
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
        await sleep(250);
      }
    }
    const headers = { 'x-api-key': KEY, 'content-type': 'application/json' };
    const api = (app: keyof typeof ports, path: string) => `http://127.0.0.1:${ports[app]}${path}`;
    const s = sampler(pids);
    closers.push(() => s.stop());

    // The rebuild, through the queues.
    let before = s.snapshot();
    let t0 = performance.now();
    const started = (await (
      await fetch(api('ingestion', '/v1/rebuilds'), { method: 'POST', headers, body: '{}' })
    ).json()) as {
      build_id: string;
    };
    const buildId = started.build_id;
    let build: {
      status: string;
      error?: string;
      stages?: Record<string, { seconds?: number; started_at?: string; finished_at?: string }>;
    };
    for (;;) {
      build = (await (
        await fetch(api('ingestion', `/v1/rebuilds/${buildId}`), { headers })
      ).json()) as typeof build;
      if (build.status === 'published') break;
      if (build.status === 'failed') {
        // What the processes used until then is still worth printing.
        report(`rebuild ${buildId} FAILED`, (performance.now() - t0) / 1000, before, s.snapshot());
        throw new Error(`rebuild failed: ${build.error ?? ''}`);
      }
      await sleep(500);
    }
    report(`rebuild ${buildId}`, (performance.now() - t0) / 1000, before, s.snapshot());
    const pg = new Client({ connectionString: dbUrl });
    await pg.connect();
    closers.push(() => pg.end().catch(() => undefined));
    const [row] = (
      await pg.query<{
        stages: Record<string, { started_at?: string; finished_at?: string }>;
        counts: Record<string, number>;
      }>(`SELECT stages, counts FROM builds WHERE id = $1`, [buildId])
    ).rows;
    for (const [stage, st] of Object.entries(row?.stages ?? {})) {
      if (!st.started_at || !st.finished_at) continue;
      const secs = (Date.parse(st.finished_at) - Date.parse(st.started_at)) / 1000;
      console.log(`  stage ${stage.padEnd(24)} ${secs.toFixed(1).padStart(7)} s`);
      rows.push(`  stage ${stage.padEnd(24)} ${secs.toFixed(1).padStart(7)} s`);
    }
    console.log(`  counts ${JSON.stringify(row?.counts)}`);
    rows.push(`  counts ${JSON.stringify(row?.counts)}`);

    // Serving: random customers' lists, cold cache, 8 at a time.
    const customers = (
      await pg.query<{ customer_id: string }>(
        `SELECT customer_id FROM customers ORDER BY random() LIMIT $1`,
        [reads],
      )
    ).rows.map((r) => r.customer_id);
    await sleep(1000); // serving follows the publish
    before = s.snapshot();
    t0 = performance.now();
    const latencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < customers.length) {
          const c = customers[next++]!;
          const t = performance.now();
          const res = await fetch(
            api('serving', `/v1/customers/${encodeURIComponent(c)}/recommendations?limit=50`),
            { headers },
          );
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`serving ${res.status} for ${c}`);
          latencies.push(performance.now() - t);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    report(`serving ${customers.length} reads`, (performance.now() - t0) / 1000, before, s.snapshot());
    const servingLine = `  serving p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms (8 concurrent, cold cache, random customers)`;
    console.log(servingLine);
    rows.push(servingLine);

    // Real time: cart_add of a product not in the customer's top 10 → it shows up there.
    before = s.snapshot();
    t0 = performance.now();
    const probeMs: number[] = [];
    const products = (
      await pg.query<{ product_id: string }>(
        `SELECT product_id FROM products WHERE available ORDER BY random() LIMIT 200`,
      )
    ).rows;
    for (let i = 0; i < probes; i++) {
      const c = customers[i]!;
      const top = async () =>
        (
          (await (
            await fetch(api('serving', `/v1/customers/${encodeURIComponent(c)}/recommendations?limit=10`), {
              headers,
            })
          ).json()) as {
            items: { product_id: string }[];
          }
        ).items.map((x) => x.product_id);
      const now = await top();
      const p = products.find((x) => !now.includes(x.product_id))!.product_id;
      const t = performance.now();
      await fetch(api('ingestion', '/v1/events'), {
        method: 'POST',
        headers,
        body: JSON.stringify([
          { customer_id: c, product_id: p, type: 'cart_add', timestamp: new Date().toISOString() },
        ]),
      });
      while (!(await top()).includes(p)) {
        if (performance.now() - t > 15_000) break;
        await sleep(20);
      }
      probeMs.push(performance.now() - t);
    }
    probeMs.sort((a, b) => a - b);
    report(`realtime ${probes} probes`, (performance.now() - t0) / 1000, before, s.snapshot());
    const rtLine = `  cart_add → served top 10: median ${probeMs[Math.floor(probeMs.length / 2)]?.toFixed(0)} ms, max ${probeMs[probeMs.length - 1]?.toFixed(0)} ms (no background load)`;
    console.log(rtLine);
    rows.push(rtLine);
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
    const dbLine = `  build ${buildId} in Postgres: recommendations ${recs.toFixed(1)} MB, item lists ${lists.toFixed(1)} MB, artifacts ${arts.toFixed(1)} MB (stored, compressed)`;
    console.log(dbLine);
    rows.push(dbLine);
    // This stack's keys (cache and queues, all under its prefix): MEMORY USAGE of each.
    const redis = new Redis(redisUrl);
    let keys = 0;
    let bytes = 0;
    for (let cursor = '0'; ;) {
      const [nextCursor, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      for (const k of batch) {
        keys++;
        bytes += (await redis.memory('USAGE', k)) ?? 0;
      }
      cursor = nextCursor;
      if (cursor === '0') break;
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
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : undefined)),
    );
    console.log(`\n${preset} (${existsSync(dir) ? dir : ''}):\n${rows.join('\n')}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
