/**
 * Reads under writes (issue #15, defect 9): storefront reads at a steady rate, alone and while events
 * arrive, alternated in one run — A (reads alone), B (reads + events), A, B … — so both sides share
 * the machine's conditions. The apps run as `npm start` runs them (separate processes: ingestion,
 * features, candidates for rebuilds, candidates for real time, serving) on the bench's own ports,
 * database and queue prefix; the read client and the event sender are processes of their own, so
 * neither measures its own event loop.
 *
 *   npx turbo run build
 *   npx tsx bench/serving/reads-under-writes.bench.ts [--data data/online-retail] [--read-rate 300]
 *     [--event-rate 200] [--seconds 20] [--rounds 2] [--niceness 0,10] [--port-base 3290] [--app-env=NAME=VALUE]…
 *
 * Each round runs reads alone, then reads + events once per `--niceness` value: the background
 * processes (features, candidates, real time) are set to that CPU niceness for the phase, every
 * thread, as `CPU_NICENESS` does at boot (`npm start` gives them 10; see scripts/apps.mjs).
 *
 * Prints, per phase: reads p50 / p99 / max and errors, events accepted per second, and the CPU share
 * of every app process (from /proc) and of all `postgres` processes on the machine.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, get, request } from 'node:http';
import { cpus, loadavg, setPriority } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDataSource, migrate, quoteIdent } from '@nextbuy/db';
import { cpuByComm, cpuSeconds } from '../lib/proc';
import { importFile } from '@nextbuy/importer';

const ROOT = join(__dirname, '../..');
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const KEY = 'bench-admin';
const TICKS_PER_SECOND = 10;
const EVENTS_PER_SHOPPER = 5;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const num = (name: string, fallback: number) => {
  const v = Number(option(name, String(fallback)));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ReadFigures {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/** Child: `rate` GETs per second over `ids`, open loop, each timed from when it was due. */
async function readClient(m: {
  base: string;
  ids: string[];
  rate: number;
  seconds: number;
}): Promise<ReadFigures> {
  const url = new URL(m.base);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.round(m.rate * m.seconds);
  const gap = 1000 / m.rate;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let done = 0;
    const finish = () => {
      if (++done === total) resolve();
    };
    const tick = () => {
      const now = performance.now();
      for (; sent < total && started + sent * gap <= now; sent++) {
        const due = started + sent * gap;
        const id = m.ids[Math.floor(Math.random() * m.ids.length)]!;
        const req = get(
          {
            host: url.hostname,
            port: url.port,
            path: `/v1/customers/${encodeURIComponent(id)}/recommendations?limit=12`,
            agent,
            headers: { 'x-api-key': KEY },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode !== 200) errors++;
              latencies.push(performance.now() - due);
              finish();
            });
          },
        );
        req.on('error', () => {
          errors++;
          finish();
        });
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10;
  return { requests: total, errors, p50: at(0.5), p99: at(0.99), max: at(1) };
}

/** Child: `rate` events per second, shopper-shaped (a few customers each send a batch of views and a cart add). */
async function eventSender(m: {
  base: string;
  customers: string[];
  products: string[];
  rate: number;
  seconds: number;
}): Promise<{ accepted: number; rejected: number }> {
  const url = new URL(m.base);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const perTick = Math.max(1, Math.round(m.rate / TICKS_PER_SECOND / EVENTS_PER_SHOPPER));
  let accepted = 0;
  let rejected = 0;
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const post = (body: string) =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/v1/events',
          method: 'POST',
          agent,
          headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const end = Date.now() + m.seconds * 1000;
  let next = Date.now();
  const inFlight = new Set<Promise<void>>();
  while (Date.now() < end) {
    for (let s = 0; s < perTick; s++) {
      const customer = pick(m.customers);
      const events = Array.from({ length: EVENTS_PER_SHOPPER }, (_, i) => ({
        customer_id: customer,
        product_id: pick(m.products),
        type: i === EVENTS_PER_SHOPPER - 1 ? 'cart_add' : 'view',
        timestamp: new Date().toISOString(),
      }));
      const p = post(JSON.stringify(events)).then((status) => {
        if (status === 202) accepted += events.length;
        else rejected += events.length;
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    next += 1000 / TICKS_PER_SECOND;
    await sleep(Math.max(0, next - Date.now()));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { accepted, rejected };
}

/** Runs `role` of this file in a process of its own and resolves with what it sends back. */
function inChild<T>(role: 'reads' | 'events', message: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], { env: { ...process.env, BENCH_CHILD: role } });
    child.once('message', (m) => {
      resolve(m as T);
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the ${role} client exited with ${code}`));
    });
    child.send(message);
  });
}

/** CPU seconds used between two samples by the processes present in both. */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, s] of after) if (before.has(pid)) sum += s - before.get(pid)!;
  return sum;
}

/** Sets every thread of process `pid` to `niceness`. */
function renice(pid: number, niceness: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), niceness);
}

/** The processes that do background work (the ones `npm start` runs niced). */
const BACKGROUND = new Set(['features', 'candidates', 'realtime']);

async function waitFor(check: () => Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: timed out`);
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const data = join(ROOT, option('data', 'data/online-retail'));
  const readRate = num('read-rate', 300);
  const eventRate = num('event-rate', 200);
  const seconds = num('seconds', 20);
  const rounds = num('rounds', 2);
  const portBase = num('port-base', 3290);
  const nicenesses = option('niceness', '0,10').split(',').map(Number);
  const appEnv = Object.fromEntries(
    process.argv
      .filter((a) => a.startsWith('--app-env='))
      .map((a) => a.slice('--app-env='.length).split(/=(.*)/s).slice(0, 2)),
  ) as Record<string, string>;
  for (const kind of ['products', 'customers', 'events'])
    if (!existsSync(join(data, `${kind}.csv.gz`)))
      throw new Error(`${data}/${kind}.csv.gz is missing (nextbuy dataset online-retail writes it)`);

  const name = `nextbuy_bench_ruw_${process.pid}`;
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const prefix = `bench-ruw-${process.pid}`;
  const children: { name: string; child: ChildProcess }[] = [];
  try {
    await migrate(url.toString());
    const db = await createDataSource({ url: url.toString(), poolSize: 2 }).initialize();
    for (const kind of ['products', 'customers', 'events'] as const)
      await importFile(db, { kind, file: join(data, `${kind}.csv.gz`) });
    const customers = (
      await db.query<{ customer_id: string }[]>(
        `SELECT customer_id FROM customers WHERE customer_id NOT LIKE 'guest-%'`,
      )
    ).map((r) => r.customer_id);
    const products = (await db.query<{ product_id: string }[]>(`SELECT product_id FROM products`)).map(
      (r) => r.product_id,
    );
    await db.destroy();

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
      INGESTION_PORT: String(ports.ingestion),
      FEATURES_PORT: String(ports.features),
      CANDIDATES_PORT: String(ports.candidates),
      SERVING_PORT: String(ports.serving),
      CPU_NICENESS: '0',
      ...appEnv,
    };
    const layout: [keyof typeof ports, string, Record<string, string>, string[]][] = [
      ['ingestion', 'ingestion', {}, []],
      ['features', 'features', {}, []],
      ['candidates', 'candidates', { CANDIDATES_ROLE: 'rebuild' }, []],
      [
        'realtime',
        'candidates',
        { CANDIDATES_ROLE: 'realtime', CANDIDATES_PORT: String(ports.realtime) },
        [],
      ],
      ['serving', 'serving', {}, ['--initial-old-space-size=256']],
    ];
    for (const [role, app, extra, flags] of layout) {
      const child = spawn(process.execPath, [...flags, join(ROOT, 'apps', app, 'dist/main.js')], {
        env: { ...shared, ...extra },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push({ name: role, child });
    }
    const base = (role: keyof typeof ports) => `http://127.0.0.1:${ports[role]}`;
    for (const role of Object.keys(ports) as (keyof typeof ports)[])
      await waitFor(async () => (await fetch(`${base(role)}/health`)).ok, `${role} health`);

    const headers = { 'x-api-key': KEY, 'content-type': 'application/json' };
    const t0 = Date.now();
    const { build_id } = (await (
      await fetch(`${base('ingestion')}/v1/rebuilds`, { method: 'POST', headers, body: '{}' })
    ).json()) as { build_id: string };
    await waitFor(
      async () => {
        const b = (await (
          await fetch(`${base('ingestion')}/v1/rebuilds/${build_id}`, { headers })
        ).json()) as {
          status: string;
        };
        if (b.status === 'failed') throw new Error('the rebuild failed');
        return b.status === 'published';
      },
      'rebuild',
      600_000,
    );
    console.log(
      `rebuild: ${((Date.now() - t0) / 1000).toFixed(1)} s; ${customers.length} customers, ${products.length} products`,
    );
    await sleep(1000);
    // Warm-up: every customer read once (cache filled), not measured.
    await inChild<ReadFigures>('reads', {
      base: base('serving'),
      ids: customers,
      rate: 1000,
      seconds: Math.ceil(customers.length / 1000) + 2,
    });

    const rows: string[] = [];
    const phases: {
      phase: string;
      reads: ReadFigures;
      eventsPerSecond: number;
      cpu: Record<string, number>;
    }[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const niceness of [undefined, ...nicenesses]) {
        const withEvents = niceness !== undefined;
        if (withEvents) for (const c of children) if (BACKGROUND.has(c.name)) renice(c.child.pid!, niceness);
        const before = children.map((c) => cpuSeconds(c.child.pid!) ?? 0);
        const machine = { postgres: cpuByComm('postgres'), redis: cpuByComm('redis-server') };
        const started = performance.now();
        const [reads, events] = await Promise.all([
          inChild<ReadFigures>('reads', { base: base('serving'), ids: customers, rate: readRate, seconds }),
          withEvents
            ? inChild<{ accepted: number; rejected: number }>('events', {
                base: base('ingestion'),
                customers,
                products,
                rate: eventRate,
                seconds,
              })
            : Promise.resolve({ accepted: 0, rejected: 0 }),
        ]);
        const wall = (performance.now() - started) / 1000;
        const cpu: Record<string, number> = {};
        children.forEach(
          (c, i) => (cpu[c.name] = Math.round((((cpuSeconds(c.child.pid!) ?? 0) - before[i]!) / wall) * 100)),
        );
        for (const [comm, key] of [
          ['postgres', 'postgres'],
          ['redis-server', 'redis'],
        ] as const)
          cpu[key] = Math.round((cpuBetween(machine[key], cpuByComm(comm)) / wall) * 100);
        const phase = withEvents ? `reads + ${eventRate} events/s, workers nice ${niceness}` : 'reads alone';
        phases.push({ phase, reads, eventsPerSecond: Math.round(events.accepted / wall), cpu });
        const row = `| ${round + 1} | ${phase} | ${reads.p50} | ${reads.p99} | ${reads.max} | ${reads.errors} | ${Math.round(events.accepted / wall)}${events.rejected ? ` (${events.rejected} rejected)` : ''} | ${Object.entries(
          cpu,
        )
          .map(([k, v]) => `${k} ${v} %`)
          .join(', ')} | ${loadavg()[0]!.toFixed(1)} |`;
        rows.push(row);
        console.log(row);
        // Let the real-time queue drain before reads alone run again.
        if (withEvents) await sleep(3000);
      }
    }
    console.log(
      `\n${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; reads ${readRate}/s over ${customers.length} customers, ${seconds} s per phase\n` +
        '| round | phase | p50 ms | p99 ms | max ms | errors | events/s accepted | CPU (share of one core) | load avg |\n' +
        '|---|---|---:|---:|---:|---:|---:|---|---:|\n' +
        rows.join('\n'),
    );
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const phase of new Set(phases.map((p) => p.phase)))
      console.log(
        `${phase}: p99 median ${median(phases.filter((p) => p.phase === phase).map((p) => p.reads.p99))} ms`,
      );
  } finally {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve(null);
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    const admin = new Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin.end();
    const { clearRedisPrefix } = await import('@nextbuy/testing');
    await clearRedisPrefix(prefix);
  }
}

if (process.env.BENCH_CHILD === 'reads')
  process.once(
    'message',
    (m) => void readClient(m as Parameters<typeof readClient>[0]).then((f) => process.send!(f)),
  );
else if (process.env.BENCH_CHILD === 'events')
  process.once(
    'message',
    (m) => void eventSender(m as Parameters<typeof eventSender>[0]).then((f) => process.send!(f)),
  );
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
