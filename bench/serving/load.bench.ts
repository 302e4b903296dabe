/**
 * Serving load benchmark: nextbuy's `GET /v1/customers/{id}/recommendations` (the built app, its
 * own process, default logging, API key guard, rate limiter and Redis cache all on) against a bare
 * Fastify server doing one Redis GET of the same bytes, in the same run, over every customer of the
 * active build of the demo database; then both at a steady 1,000 requests/s (evenly spaced, see `pace`).
 *
 *   npm run demo  (or any database with a published build: BENCH_SOURCE_DATABASE_URL, default
 *   postgres://postgres@127.0.0.1:5432/nextbuy), then:
 *   npx turbo run build --filter=@nextbuy/serving...
 *   npx tsx bench/serving/load.bench.ts [--duration 10] [--rounds 3] [--connections 50] [--rate 1000]
 *     [--steady-seconds 10] [--profile DIR] [--node-flags=FLAG]… [--serving-env=NAME=VALUE]… [--serving-stdout]
 *     [--rules 20]
 *
 * `--rules N` measures merchandising rules: each round then runs nextbuy without rules, nextbuy with
 * N active rules (`BENCH_RULES`, a storefront's mix of filters, boosts, buries and pins, some out of
 * their window or context), and the bare server, alternated, and prints each one's ratio to the bare
 * server and with / without (issue #17: within 10 %). Each rules round starts with a new rules
 * version and first requests every customer once: it measures the steady state under rules (the
 * answers rules reshape are kept per list, `ShapedTops`), not the first request after a change.
 *
 * Every run's load client (autocannon, or the steady-rate `pace`) runs in a process of its own, and
 * each run reports the CPU time the server process spent per request (from /proc): on a shared
 * machine that is the figure to compare, req/s only side by side within a round.
 *
 * `--profile DIR` writes a V8 CPU profile of the serving process to DIR and one of the bare server to
 * DIR/bare (open them in Chrome DevTools; compare one round's window of each).
 *
 * `--baseline DIR` also runs the serving app built in another checkout (DIR: its root, built, e.g. a
 * `git worktree` of main) as a third server, so a change is measured against what it changes in the
 * same run: each round drives the baseline, this checkout's nextbuy and the bare server in turn, and
 * the warm-up checks that both nextbuys answer every customer with the same bytes (the
 * `recommendation_id` aside). Its profile (`--profile`) goes to DIR/baseline.
 *
 * The source database is only read: its build's rows are copied into a database of the bench's own
 * (migrated, dropped at the end), so the bench runs the migrations of this checkout.
 */
import autocannon from 'autocannon';
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { RULES_CHANGED_CHANNEL } from '@nextbuy/contracts';
import { LIST_DICTIONARY } from '@nextbuy/engine';
import { paceInChild as pace } from './pace';
import { gcPauseSeconds, scrapeGc } from '../lib/gc-metrics';
import { cpuSeconds } from '../lib/proc';
import { migrate, quoteIdent } from '@nextbuy/db';
// @ts-expect-error -- a plain ES module of the repository's scripts, without types
import { SERVING_NODE_ARGS } from '../../scripts/apps.mjs';

const ROOT = join(__dirname, '../..');
const SOURCE_URL = process.env.BENCH_SOURCE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/nextbuy';
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const API_KEY = 'bench-read';
/** The tables serving reads: the build, its lists, and the catalog facts behind the fallbacks. */
const COPIED_TABLES = ['customers', 'products', 'builds', 'recommendations', 'item_lists'];
/**
 * The one build artifact serving reads: the product dictionary its compact lists name products by
 * (copied alone: the build's other artifacts are tens of MB serving never opens).
 */
const COPIED_ARTIFACTS = [LIST_DICTIONARY];
const NEXTBUY_PORT = 3980;
const BASELINE_PORT = 3985;
const BARE_PORT = 3990;
/** Warm-up requests in flight at once (every customer once, so every list is in Redis). */
const WARM_CONCURRENCY = 16;
/** Three servers boot at once with `--baseline`, on a machine the bench shares (niced): give them time. */
const STARTUP_TIMEOUT_MS = 90_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const DURATION_S = arg('duration', 10);
const ROUNDS = arg('rounds', 3);
const CONNECTIONS = arg('connections', 50);
const FIXED_RATE = arg('rate', 1000);
/** Length of each steady-rate run (a longer one gives a steadier p99). */
const STEADY_S = arg('steady-seconds', DURATION_S);
/**
 * Flags of the serving process: those it runs with in `npm start` (scripts/apps.mjs), then any
 * `--node-flags=FLAG`, e.g. `--node-flags=--trace-gc` (with `--serving-stdout` to see its output).
 */
const NODE_FLAGS = process.argv
  .filter((a) => a.startsWith('--node-flags='))
  .map((a) => a.slice('--node-flags='.length));
/** Extra environment of the serving process, e.g. `--serving-env=LOG_LEVEL=warn` (what per-request logs cost). */
const SERVING_ENV = Object.fromEntries(
  process.argv
    .filter((a) => a.startsWith('--serving-env='))
    .map((a) => a.slice('--serving-env='.length).split(/=(.*)/s).slice(0, 2)),
) as Record<string, string>;
/** Active rules of the rules rounds (`--rules N`); 0: no rules rounds. */
const RULES = process.argv.includes('--rules') ? arg('rules', 20) : 0;
const PROFILE_DIR = process.argv.includes('--profile')
  ? process.argv[process.argv.indexOf('--profile') + 1]
  : undefined;
/** Root of a built checkout whose serving app runs beside this one's (`--baseline DIR`). */
const BASELINE_DIR = process.argv.includes('--baseline')
  ? process.argv[process.argv.indexOf('--baseline') + 1]
  : undefined;

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** CPU the server process spent per request during the run, µs (user + system, from /proc). */
  cpuUs?: number;
  /** Server garbage-collection pauses per request, µs (from its `/metrics`; the bare server has none). */
  gcUs?: number;
}

/** The server process behind each port, for its CPU time (`drive`). */
const serverPids = new Map<number, number>();

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A migrated database of the bench's own holding the source's tables serving reads. */
async function benchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `nextbuy_bench_serving_${process.pid}`;
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  const dump = execFileSync(
    'pg_dump',
    ['--data-only', '--disable-triggers', ...COPIED_TABLES.flatMap((t) => ['-t', t]), SOURCE_URL],
    { maxBuffer: 1 << 30 },
  );
  execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', url.toString()], {
    input: dump,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const artifacts = execFileSync(
    'psql',
    [
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `COPY (SELECT build_id, name, data, created_at, chunk FROM build_artifacts WHERE name = ANY('{${COPIED_ARTIFACTS.join(',')}}')) TO STDOUT`,
      SOURCE_URL,
    ],
    { maxBuffer: 1 << 30 },
  );
  execFileSync(
    'psql',
    [
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      'COPY build_artifacts (build_id, name, data, created_at, chunk) FROM STDIN',
      url.toString(),
    ],
    { input: artifacts, stdio: ['pipe', 'ignore', 'inherit'] },
  );
  return {
    url: url.toString(),
    drop: () =>
      query(SERVER_URL, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).then(() => undefined),
  };
}

function start(command: string[], env: Record<string, string>, cwd = ROOT): ChildProcess {
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', process.argv.includes('--serving-stdout') ? 'inherit' : 'ignore', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0) process.stderr.write(`${command.join(' ')} exited ${code ?? signal}\n`);
  });
  return child;
}

async function waitForHealth(port: number): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/live`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing answered on port ${port} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

/**
 * Every customer once through nextbuy (its cache fills); the bytes it sent go to the bare server's
 * keys (with `redis` null, nothing is kept: the rules rounds' warm-up reads the full lists).
 * `answers`: each customer's answer without its `recommendation_id`, kept when empty, else compared
 * (the baseline's warm-up: both servers must answer alike).
 */
async function warm(
  ids: string[],
  redis: Redis | null,
  barePrefix: string,
  port = NEXTBUY_PORT,
  answers?: Map<string, string>,
): Promise<number> {
  let next = 0;
  let bytes = 0;
  const compare = answers !== undefined && answers.size > 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const res = await fetch(`http://127.0.0.1:${port}${path(id)}`, {
        headers: { 'x-api-key': API_KEY },
      });
      const body = await res.text();
      if (!res.ok) throw new Error(`warm-up: ${res.status} for customer ${id}: ${body}`);
      bytes += body.length;
      if (redis) await redis.set(barePrefix + id, body, 'EX', 3600);
      if (answers !== undefined) {
        const answer = body.replace(/"recommendation_id":"[^"]*"/, '"recommendation_id":""');
        if (!compare) answers.set(id, answer);
        else if (answers.get(id) !== answer)
          throw new Error(
            `warm-up: the baseline answers customer ${id} differently:\n${answer}\n${answers.get(id)}`,
          );
      }
    }
  };
  await Promise.all(Array.from({ length: WARM_CONCURRENCY }, worker));
  return Math.round(bytes / ids.length);
}

const path = (id: string) => `/v1/customers/${encodeURIComponent(id)}/recommendations`;

/**
 * autocannon over every customer id in turn, in a client process of its own (`inChild`): in the
 * bench process it shared an event loop and a heap with everything else here, and on two cores it
 * was the bottleneck of both servers (issue #13), so the figures measured the client.
 */
async function drive(port: number, ids: string[], options: { overallRate?: number } = {}): Promise<Figures> {
  const pid = serverPids.get(port);
  const gcBefore = await scrapeGc(port);
  const before = cpuSeconds(pid);
  const figures = await inChild({ kind: 'drive', port, ids, overallRate: options.overallRate });
  const after = cpuSeconds(pid);
  if (before !== undefined && after !== undefined && figures.requests > 0)
    figures.cpuUs = Math.round(((after - before) * 1e6) / figures.requests);
  const gcSeconds = gcPauseSeconds(gcBefore, await scrapeGc(port));
  if (gcSeconds !== undefined && figures.requests > 0)
    figures.gcUs = Math.round(((gcSeconds * 1e6) / figures.requests) * 10) / 10;
  return figures;
}

/** The child side of `drive`. */
async function autocannonRun(port: number, ids: string[], overallRate?: number): Promise<Figures> {
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { 'x-api-key': API_KEY },
    ...(overallRate === undefined ? {} : { overallRate }),
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path(ids[i++ % ids.length]!) }) }],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  };
}

type ClientJob = { kind: 'drive'; port: number; ids: string[]; overallRate?: number };

/**
 * A load client in a process of its own, one per run: this process holds every customer id and the
 * figures, and a garbage collection of that heap (or autocannon's own histograms) would stall the
 * client's response handling and count against the server.
 */
function inChild(job: ClientJob): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, process.argv.slice(2), {
      env: { ...process.env, BENCH_LOAD_CLIENT: '1' },
    });
    child.once('message', (figures) => {
      resolve(figures as Figures);
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the load client exited with ${code}`));
    });
    child.send(job);
  });
}

/**
 * The steady-rate run (`pace`, in a client process of its own): a second at the rate first, not
 * counted, so the client's connections open and the server settles.
 */
async function paceInChild(port: number, ids: string[], rate: number): Promise<Figures> {
  const f = await pace({
    port,
    paths: ids.map(path),
    rate,
    seconds: STEADY_S,
    headers: { 'x-api-key': API_KEY },
  });
  console.log(
    `port ${port}, steady ${rate} req/s: the client sent p99 ${f.sentLateP99.toFixed(1)} ms late ` +
      `(its event-loop delay p99 ${f.clientLagP99.toFixed(1)} ms)`,
  );
  return { rps: f.rps, p50: f.p50, p99: f.p99, errors: f.errors, requests: f.requests };
}

/** The child side of `inChild`. */
function loadClient(): void {
  process.once('message', (job: ClientJob) => {
    void autocannonRun(job.port, job.ids, job.overallRate).then((figures) => process.send!(figures));
  });
}

const HOUR = 3600_000;
/**
 * Rules a storefront of the Online Retail store might hold: the first `n` of these (cycled with
 * priorities when more are asked). Filters, boosts and buries that touch many lists, pins with a
 * context (a viewed product, a browsed category) that most requests do not have, and rules outside
 * their validity window: every request pays for checking them all.
 */
function benchRules(n: number): unknown[][] {
  const now = Date.now();
  const mix: [
    string,
    string,
    number | null,
    number | null,
    string | null,
    object | null,
    Date | null,
    Date | null,
  ][] = [
    ['filter', "category = 'other' AND price < 0.5", null, null, 'exclude', null, null, null],
    ['boost', "category = 'candle'", null, 1.5, null, null, null, null],
    ['boost', "category IN ('bag', 'box') AND price < 5", null, 2, null, null, null, null],
    ['bury', 'price > 20', null, 2, null, null, null, null],
    ['bury', "id IN ('POST', 'M', 'DOT') OR name = 'POSTAGE'", null, 3, null, null, null, null],
    ['pin', "id = '85123A'", 1, null, null, { category: 'holder' }, null, null],
    ['pin', "id = '22423'", 2, null, null, { product_id: '85123A' }, null, null],
    ['boost', "attributes.season = 'winter'", null, 1.3, null, null, null, null],
    ['filter', 'NOT available', null, null, 'exclude', null, null, null],
    ['boost', "category = 'decoration' AND price >= 1 AND price <= 3", null, 1.2, null, null, null, null],
    ['bury', "category = 'card'", null, 1.5, null, null, new Date(now - 2 * HOUR), new Date(now + 2 * HOUR)],
    ['boost', "category = 'necklace'", null, 3, null, null, new Date(now + 24 * HOUR), null],
    ['filter', "category = 'sign'", null, null, 'exclude', null, null, new Date(now - HOUR)],
    ['pin', "category = 'bracelet'", 3, null, null, { category: 'bracelet' }, null, null],
    ['boost', "name = 'WHITE HANGING HEART T-LIGHT HOLDER'", null, 1.5, null, null, null, null],
    ['filter', "brand = 'discontinued'", null, null, 'exclude', null, null, null],
    ['bury', "category = 'cover' AND price > 4", null, 1.3, null, null, null, null],
    ['boost', "category = 'holder' OR category = 'earrings'", null, 1.1, null, null, null, null],
    ['pin', "id IN ('21212', '84879')", 4, null, null, { product_id: '21212' }, null, null],
    ['filter', 'attributes.adult = true', null, null, 'exclude', null, null, null],
  ];
  return Array.from({ length: n }, (_, i) => {
    const [kind, condition, position, factor, filter, context, startsAt, endsAt] = mix[i % mix.length]!;
    return [
      kind,
      condition,
      position,
      factor,
      filter,
      context && JSON.stringify(context),
      startsAt,
      endsAt,
      i,
    ];
  });
}

/** Stores `n` rules (0: none) and waits until serving holds them (its notice, then a second's check). */
async function setRules(url: string, redis: Redis, n: number): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('DELETE FROM rules');
    for (const values of benchRules(n))
      await client.query(
        `INSERT INTO rules (kind, condition, position, factor, filter, context, starts_at, ends_at, priority)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        values,
      );
    await client.query('UPDATE rules_version SET version = version + 1');
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  await redis.publish(RULES_CHANGED_CHANNEL, 'bench');
  await new Promise((r) => setTimeout(r, 1500));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (label: string, f: Figures) =>
  `| ${label} | ${Math.round(f.rps).toLocaleString('en-US')} | ${f.p50} | ${f.p99} | ${f.errors} | ${f.requests.toLocaleString('en-US')} | ${f.cpuUs ?? '—'} |`;

async function main(): Promise<void> {
  const [active] = await query<{ id: string }>(
    SOURCE_URL,
    `SELECT id::text AS id FROM builds WHERE status = 'published'`,
  );
  if (!active)
    throw new Error(`no published build in ${SOURCE_URL}: run \`npm run demo\` (or a rebuild) first`);
  const ids = (
    await query<{ customer_id: string }>(
      SOURCE_URL,
      `SELECT customer_id FROM recommendations WHERE build_id = $1 ORDER BY customer_id`,
      [active.id],
    )
  ).map((r) => r.customer_id);

  const db = await benchDatabase();
  const prefix = `bench-serving-${process.pid}`;
  const barePrefix = `${prefix}:bare:`;
  const redis = new Redis(REDIS_URL);
  const children: ChildProcess[] = [];
  try {
    children.push(
      start(
        [
          'node',
          ...(SERVING_NODE_ARGS as string[]),
          ...NODE_FLAGS,
          ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
          'apps/serving/dist/main.js',
        ],
        {
          NODE_ENV: 'production',
          DATABASE_URL: db.url,
          REDIS_URL,
          QUEUE_PREFIX: prefix,
          SERVING_PORT: String(NEXTBUY_PORT),
          NEXTBUY_API_KEYS: `${API_KEY}:read`,
          // The limiter runs (and counts in Redis) but never refuses: the bench measures its cost.
          RATE_LIMIT_PER_MINUTE: String(1e9),
          ...SERVING_ENV,
        },
      ),
      start(
        [
          'node',
          ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, 'bare')}`] : []),
          '--import',
          'tsx',
          'bench/serving/bare-server.ts',
        ],
        {
          BARE_PORT: String(BARE_PORT),
          BARE_KEY_PREFIX: barePrefix,
          REDIS_URL,
        },
      ),
    );
    if (BASELINE_DIR !== undefined)
      children.push(
        start(
          [
            'node',
            ...(SERVING_NODE_ARGS as string[]),
            ...NODE_FLAGS,
            ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, 'baseline')}`] : []),
            'apps/serving/dist/main.js',
          ],
          {
            NODE_ENV: 'production',
            DATABASE_URL: db.url,
            REDIS_URL,
            // Its own cache keys and rate-limit counters: it shares nothing with the other nextbuy.
            QUEUE_PREFIX: `${prefix}-baseline`,
            SERVING_PORT: String(BASELINE_PORT),
            NEXTBUY_API_KEYS: `${API_KEY}:read`,
            RATE_LIMIT_PER_MINUTE: String(1e9),
            ...SERVING_ENV,
          },
          BASELINE_DIR,
        ),
      );
    await Promise.all([
      waitForHealth(NEXTBUY_PORT),
      waitForHealth(BARE_PORT),
      ...(BASELINE_DIR === undefined ? [] : [waitForHealth(BASELINE_PORT)]),
    ]);
    serverPids.set(NEXTBUY_PORT, children[0]!.pid!);
    serverPids.set(BARE_PORT, children[1]!.pid!);
    if (BASELINE_DIR !== undefined) serverPids.set(BASELINE_PORT, children[2]!.pid!);
    const answers = BASELINE_DIR === undefined ? undefined : new Map<string, string>();
    const bytes = await warm(ids, redis, barePrefix, NEXTBUY_PORT, answers);
    if (BASELINE_DIR !== undefined) {
      await warm(ids, null, barePrefix, BASELINE_PORT, answers);
      console.log(`baseline ${BASELINE_DIR}: every customer's answer the same as this checkout's`);
    }
    console.log(
      `build ${active.id}: ${ids.length.toLocaleString('en-US')} customers, ~${bytes} bytes per answer; ` +
        `${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg()[0]!.toFixed(2)}; ` +
        `${CONNECTIONS} connections, ${DURATION_S} s per run, ${ROUNDS} rounds`,
    );
    // Each round runs both, one after the other, so a burst of load elsewhere hits both alike.
    if (BASELINE_DIR !== undefined) await drive(BASELINE_PORT, ids, {});
    await drive(NEXTBUY_PORT, ids, {});
    await drive(BARE_PORT, ids, {});
    const nextbuy: Figures[] = [];
    const baseline: Figures[] = [];
    const bare: Figures[] = [];
    const ruled: Figures[] = [];
    if (RULES > 0) {
      // Every list with rules once, so the rules rounds read from a warm cache as the others do.
      await setRules(db.url, redis, RULES);
      await warm(ids, null, barePrefix);
      await drive(NEXTBUY_PORT, ids, {});
      await setRules(db.url, redis, 0);
    }
    for (let r = 0; r < ROUNDS; r++) {
      if (BASELINE_DIR !== undefined) baseline.push(await drive(BASELINE_PORT, ids));
      nextbuy.push(await drive(NEXTBUY_PORT, ids));
      if (RULES > 0) {
        // A new rules version: every customer once first (what the first request after a rules change
        // costs is the full path's), so the round measures a storefront's steady state under rules.
        await setRules(db.url, redis, RULES);
        await warm(ids, null, barePrefix);
        ruled.push(await drive(NEXTBUY_PORT, ids));
        await setRules(db.url, redis, 0);
      }
      bare.push(await drive(BARE_PORT, ids));
      const cpu = (f: Figures) =>
        f.cpuUs === undefined
          ? ''
          : ` (${f.cpuUs} µs CPU/request${f.gcUs === undefined ? '' : `, ${f.gcUs} in GC pauses`})`;
      console.log(
        `round ${r + 1}, load ${loadavg()[0]!.toFixed(2)}: ` +
          (BASELINE_DIR === undefined
            ? ''
            : `baseline ${Math.round(baseline[r]!.rps)} req/s${cpu(baseline[r]!)}, `) +
          `nextbuy ${Math.round(nextbuy[r]!.rps)} req/s${cpu(nextbuy[r]!)}` +
          (RULES > 0 ? `, with ${RULES} rules ${Math.round(ruled[r]!.rps)} req/s${cpu(ruled[r]!)}` : '') +
          `, bare ${Math.round(bare[r]!.rps)} req/s${cpu(bare[r]!)}`,
      );
    }
    if (RULES > 0) {
      const toBare = (fs: Figures[]) => median(fs.map((f, i) => f.rps / bare[i]!.rps));
      console.log(
        `\nrules: nextbuy / bare ${toBare(nextbuy).toFixed(3)} without rules, ${toBare(ruled).toFixed(3)} with ${RULES} ` +
          `active rules; with / without (median of rounds) ${median(ruled.map((f, i) => f.rps / nextbuy[i]!.rps)).toFixed(3)}; ` +
          `p99 ${median(nextbuy.map((f) => f.p99))} ms without, ${median(ruled.map((f) => f.p99))} ms with; ` +
          `errors with rules: ${ruled.reduce((n, f) => n + f.errors, 0)}`,
      );
    }
    const fixed = await paceInChild(NEXTBUY_PORT, ids, FIXED_RATE);
    // The same rate against the baseline: what this machine's load alone does to the tail.
    const bareFixed = await paceInChild(BARE_PORT, ids, FIXED_RATE);
    const bursts = await drive(NEXTBUY_PORT, ids, { overallRate: FIXED_RATE });
    const bareBursts = await drive(BARE_PORT, ids, { overallRate: FIXED_RATE });

    console.log(
      '\n| target | req/s | p50 ms | p99 ms | errors | requests | server CPU µs/request |\n|---|---|---|---|---|---|---|',
    );
    baseline.forEach((f, r) => console.log(row(`baseline nextbuy (${BASELINE_DIR}), round ${r + 1}`, f)));
    nextbuy.forEach((f, r) => console.log(row(`nextbuy, round ${r + 1}`, f)));
    ruled.forEach((f, r) => console.log(row(`nextbuy with ${RULES} rules, round ${r + 1}`, f)));
    bare.forEach((f, r) => console.log(row(`bare Fastify + 1 Redis GET, round ${r + 1}`, f)));
    console.log(row(`nextbuy at a steady ${FIXED_RATE} req/s`, fixed));
    console.log(row(`bare at a steady ${FIXED_RATE} req/s`, bareFixed));
    console.log(row(`nextbuy, autocannon overallRate ${FIXED_RATE} (per-second bursts)`, bursts));
    console.log(row(`bare, autocannon overallRate ${FIXED_RATE} (per-second bursts)`, bareBursts));
    const ratio = median(nextbuy.map((f) => f.rps)) / median(bare.map((f) => f.rps));
    const errors = [...baseline, ...nextbuy, ...bare, fixed, bareFixed, bursts, bareBursts].reduce(
      (n, f) => n + f.errors,
      0,
    );
    const cpuOf = (fs: Figures[]) => median(fs.map((f) => f.cpuUs ?? NaN));
    console.log(
      `\nserver CPU per request (median of rounds): nextbuy ${cpuOf(nextbuy)} µs` +
        (RULES > 0 ? `, with ${RULES} rules ${cpuOf(ruled)} µs` : '') +
        `, bare ${cpuOf(bare)} µs: bare / nextbuy ${(cpuOf(bare) / cpuOf(nextbuy)).toFixed(2)}` +
        (RULES > 0 ? `, bare / nextbuy with rules ${(cpuOf(bare) / cpuOf(ruled)).toFixed(2)}` : ''),
    );
    if (BASELINE_DIR !== undefined) {
      const toBare = (fs: Figures[]) => median(fs.map((f, i) => f.rps / bare[i]!.rps));
      console.log(
        `baseline: CPU per request ${cpuOf(baseline)} µs (bare / baseline ${(cpuOf(bare) / cpuOf(baseline)).toFixed(2)}); ` +
          `median of round ratios to bare, req/s: baseline ${toBare(baseline).toFixed(3)}, nextbuy ${toBare(nextbuy).toFixed(3)}; ` +
          `nextbuy / baseline CPU per request, median of rounds ${median(nextbuy.map((f, i) => (f.cpuUs ?? NaN) / (baseline[i]!.cpuUs ?? NaN))).toFixed(3)}`,
      );
    }
    console.log(
      `\nnextbuy / bare (median req/s): ${ratio.toFixed(2)} (target ≥ 0.80); errors: ${errors}; ` +
        `p99 at a steady ${FIXED_RATE} req/s: ${fixed.p99} ms (target ≤ 10 ms; bare ${bareFixed.p99} ms), achieved ${Math.round(fixed.rps)} req/s`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    // Graceful shutdown takes a moment (and writes the CPU profile).
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
    );
    const keys = [...(await redis.keys(`${prefix}:*`)), ...(await redis.keys(`${prefix}-baseline:*`))];
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    await redis.quit();
    await db.drop();
  }
}

if (process.env.BENCH_LOAD_CLIENT) loadClient();
else
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
