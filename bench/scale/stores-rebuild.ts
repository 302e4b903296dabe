/**
 * Rebuilds of two (or more) stores through the queues, alternated, as the product runs them (issue
 * #13: "a synthetic store with a 100k-product catalogue and 100k events rebuilds no slower than
 * Online Retail"): one stack of `npm start`'s rebuild processes per store (ingestion, 2 features
 * workers, 2 candidates rebuild workers, the real-time candidates process, serving; scripts/apps.mjs),
 * each with its own database, queue prefix and ports, all started before the first rebuild and left
 * idle while another store rebuilds. Per round and store, in turn: a rebuild that ranks with the
 * active model, then one after the active model is retired (`models.status`), which must fit its own
 * ranker first (the first rebuild of a fresh database does that too). For each rebuild: wall time
 * (POST /v1/rebuilds → published), CPU seconds of the stack's Node processes (/proc, summed), and of
 * the Postgres backends connected to its database (those alive when sampled: a lower bound).
 *
 *   npm run build
 *   npx tsx bench/scale/stores-rebuild.ts --store online-retail=data/online-retail \
 *     --store catalogue-100k=data/catalogue-100k [--rounds 3] [--port-base 3610] [--skip-import] [--cpu-prof DIR]
 *
 * Databases `nextbuy_stores_<name>` (dashes as underscores; `--database-prefix P`: P<name>), queue
 * prefixes `stores-<name>-<pid>`, ports port-base + 20 × store index + 0 … 6. `--store NAME=DIR@ROOT` runs that stack's apps from
 * another checkout's build (before/after a change, alternated: the same store under two names).
 * `--cpu-prof DIR`: each app writes a V8 CPU profile there when it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { cpuSeconds, descendants } from '../lib/proc';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'packages/cli/dist/main.js');
const KEY = 'stores-admin';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const stores = argv
  .map((a, i) => (a === '--store' ? argv[i + 1]! : undefined))
  .filter((a): a is string => a !== undefined)
  .map((s) => {
    const [name, rest] = s.split('=');
    const [dir, root] = rest!.split('@');
    return { name: name!, dir: resolve(dir!), root: resolve(root ?? ROOT) };
  });
if (stores.length === 0) throw new Error('--store NAME=DIR, at least once');
const rounds = Number(opt('rounds', '3'));
const portBase = Number(opt('port-base', '3610'));
const databasePrefix = opt('database-prefix', 'nextbuy_stores_');
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** `--cpu-prof DIR`: every app writes a V8 CPU profile there when it exits. */
const profile = argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${opt('cpu-prof', '.')}`] : [];

/** `root` and its descendants (npm start's apps do not fork; kept for safety). */
const tree = (root: number): number[] => [root, ...descendants(root)];

interface Stack {
  name: string;
  dir: string;
  root: string;
  dbUrl: string;
  database: string;
  ingestion: number;
  children: ChildProcess[];
  pg: Client;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function run(args: string[], env: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`nextbuy ${args[0]}: exit ${code}`);
}

async function start(store: { name: string; dir: string; root: string }, index: number): Promise<Stack> {
  const database = `${databasePrefix}${store.name.replace(/-/g, '_')}`;
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  const dbUrl = u.toString();
  if (!argv.includes('--skip-import')) {
    await run(['migrate'], { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' });
    await run(
      [
        'import',
        ...['products', 'customers', 'events'].flatMap((k) => [`--${k}`, join(store.dir, `${k}.csv.gz`)]),
      ],
      { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' },
    );
  }
  const base = portBase + 20 * index;
  const shared: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: 'warn',
    NO_PRETTY_LOGS: '1',
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `stores-${store.name}-${process.pid}`,
    NEXTBUY_API_KEYS: `${KEY}:admin`,
    INGESTION_PORT: String(base),
    FEATURES_PORT: String(base + 1),
    CANDIDATES_PORT: String(base + 2),
    SERVING_PORT: String(base + 4),
  };
  const layout: [app: string, env: Record<string, string>, nodeArgs: string[], port: number][] = [
    ['ingestion', {}, [], base],
    ['features', {}, [], base + 1],
    ['features', { FEATURES_PORT: String(base + 5) }, [], base + 5],
    ['candidates', { CANDIDATES_ROLE: 'rebuild' }, [], base + 2],
    ['candidates', { CANDIDATES_ROLE: 'rebuild', CANDIDATES_PORT: String(base + 6) }, [], base + 6],
    ['candidates', { CANDIDATES_ROLE: 'realtime', CANDIDATES_PORT: String(base + 3) }, [], base + 3],
    ['serving', {}, ['--initial-old-space-size=256'], base + 4],
  ];
  const children = layout.map(([app, extra, nodeArgs]) =>
    spawn(process.execPath, [...nodeArgs, ...profile, join(store.root, 'apps', app, 'dist/main.js')], {
      env: { ...shared, ...extra },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  for (const [, , , port] of layout) {
    const deadline = Date.now() + 300_000;
    while (
      !(await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error(`${store.name}: port ${port} did not come up`);
      if (children.some((c) => c.exitCode !== null)) throw new Error(`${store.name}: an app exited`);
      await sleep(250);
    }
  }
  const pg = new Client({ connectionString: dbUrl });
  await pg.connect();
  return { ...store, dbUrl, database, ingestion: base, children, pg };
}

/** CPU seconds of the stack's processes and of its database's Postgres backends, sampled every 250 ms. */
function cpuMeter(stack: Stack, admin: Client) {
  const pids = stack.children.flatMap((c) => tree(c.pid!));
  const node0 = new Map(pids.map((p) => [p, cpuSeconds(p) ?? 0]));
  const nodeLast = new Map(node0);
  const pg0 = new Map<number, number>();
  const pgLast = new Map<number, number>();
  let busy = false;
  const take = async () => {
    if (busy) return;
    busy = true;
    for (const p of pids) {
      const c = cpuSeconds(p);
      if (c !== undefined) nodeLast.set(p, c);
    }
    const backends = (
      await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [
        stack.database,
      ])
    ).rows;
    for (const { pid } of backends) {
      const c = cpuSeconds(pid);
      if (c === undefined) continue;
      if (!pg0.has(pid)) pg0.set(pid, 0); // a backend that came during the rebuild: all of its CPU counts
      pgLast.set(pid, c);
    }
    busy = false;
  };
  // Backends alive at the start count from their CPU then; later ones from 0.
  const first = take().then(() => {
    for (const [pid, c] of pgLast) pg0.set(pid, c);
  });
  const timer = setInterval(() => void take(), 250);
  return {
    ready: first,
    async stop() {
      clearInterval(timer);
      while (busy) await sleep(10);
      await take();
      let node = 0;
      for (const [p, c] of nodeLast) node += c - (node0.get(p) ?? 0);
      let postgres = 0;
      for (const [p, c] of pgLast) postgres += c - (pg0.get(p) ?? 0);
      return { node, postgres };
    },
  };
}

async function rebuild(stack: Stack, admin: Client, train: boolean) {
  if (train) await stack.pg.query(`UPDATE models SET status = 'retired' WHERE status = 'active'`);
  const headers = { 'x-api-key': KEY, 'content-type': 'application/json' };
  const api = (path: string) => `http://127.0.0.1:${stack.ingestion}${path}`;
  await sleep(3000); // what the last build left (deleting old builds) settles
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
  const meter = cpuMeter(stack, admin);
  await meter.ready;
  const t0 = performance.now();
  const res = await fetch(api('/v1/rebuilds'), { method: 'POST', headers, body: '{}' });
  const started = (await res.json()) as { build_id: string };
  if (res.status >= 300)
    throw new Error(`${stack.name}: POST /v1/rebuilds ${res.status} ${JSON.stringify(started)}`);
  for (;;) {
    const build = (await (await fetch(api(`/v1/rebuilds/${started.build_id}`), { headers })).json()) as {
      status: string;
      error?: string;
    };
    if (build.status === 'published') break;
    if (build.status === 'failed') throw new Error(`${stack.name}: rebuild failed: ${build.error ?? ''}`);
    await sleep(200);
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = await meter.stop();
  const [row] = (
    await stack.pg.query<{ stages: Record<string, unknown> }>(`SELECT stages FROM builds WHERE id = $1`, [
      started.build_id,
    ])
  ).rows;
  const trained = Object.keys(row?.stages ?? {}).some((s) => s.startsWith('ranker'));
  return { wall, ...cpu, load, trained, build: started.build_id };
}

async function main(): Promise<void> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  const stacks: Stack[] = [];
  const results: {
    store: string;
    round: number;
    mode: string;
    wall: number;
    node: number;
    postgres: number;
    load: string;
  }[] = [];
  try {
    for (const [i, store] of stores.entries()) stacks.push(await start(store, i));
    // A fresh database has no model: its first rebuild trains (round 0, reported apart).
    for (let round = 0; round <= rounds; round++)
      for (const stack of stacks)
        for (const train of round === 0 ? [false] : [false, true]) {
          const r = await rebuild(stack, admin, train);
          const mode = r.trained ? 'trains' : 'active model';
          results.push({ store: stack.name, round, mode, ...r });
          console.log(
            `round ${round} ${stack.name.padEnd(16)} ${mode.padEnd(13)} ${r.wall.toFixed(1).padStart(6)} s wall ` +
              `${r.node.toFixed(1).padStart(6)} s Node CPU ${r.postgres.toFixed(1).padStart(5)} s Postgres CPU  load ${r.load}  ${r.build}`,
          );
        }
  } finally {
    for (const s of stacks) {
      for (const c of s.children) c.kill('SIGTERM');
      await Promise.all(
        s.children.map((c) =>
          c.exitCode === null ? new Promise((r) => c.on('exit', r)) : Promise.resolve(),
        ),
      );
      await s.pg.end().catch(() => undefined);
    }
    await admin.end().catch(() => undefined);
  }
  console.log('\nmedians over rounds 1…, per store and mode:');
  for (const store of stores)
    for (const mode of ['active model', 'trains']) {
      const rs = results.filter((r) => r.store === store.name && r.mode === mode && r.round > 0);
      if (!rs.length) continue;
      console.log(
        `${store.name.padEnd(16)} ${mode.padEnd(13)} n=${rs.length} wall ${median(rs.map((r) => r.wall)).toFixed(1)} s ` +
          `(${rs.map((r) => r.wall.toFixed(1)).join(' / ')}), Node CPU ${median(rs.map((r) => r.node)).toFixed(1)} s ` +
          `(${rs.map((r) => r.node.toFixed(1)).join(' / ')}), Postgres CPU ${median(rs.map((r) => r.postgres)).toFixed(1)} s`,
      );
    }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
