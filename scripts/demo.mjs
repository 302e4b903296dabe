#!/usr/bin/env node
// `npm run demo`: from a fresh checkout to recommendations on screen, on this machine.
//
//   install (if needed) → build → Postgres and Redis up → migrate → Online Retail dataset → import
//   → the apps and the console in the background (logs in data/logs/APP.log) → rebuild → three customers'
//   recommendations, the URLs and the API keys → apps keep running until Ctrl-C.
//
// Only Node built-ins here: this script runs before `npm install` has.
// Safe to run again: the dataset is converted once, a re-import stores nothing new, each run rebuilds.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { apps, ROOT } from './apps.mjs';

/** Same defaults as docker-compose.yml: a key per scope. */
const DEMO_KEYS = 'demo-read:read,demo-write:write,demo-ops:ops,demo-admin:admin';
/** Customers of the Online Retail data with a long purchase history. */
const DEMO_CUSTOMERS = ['17850', '13047', '12583'];
const DATA_DIR = 'data/online-retail';
const DATA_FILES = { products: 'products.csv.gz', customers: 'customers.csv.gz', events: 'events.csv.gz' };
const LOG_DIR = 'data/logs';
/** Apps boot in a few seconds; a minute means something is wrong (see its log). */
const HEALTH_TIMEOUT_MS = 60_000;
/** Apps close within 15 s (then they exit hard); after this, SIGKILL. */
const STOP_TIMEOUT_MS = 20_000;

const env = { ...process.env };
if (!env.NEXTBUY_API_KEYS) env.NEXTBUY_API_KEYS = DEMO_KEYS;
const DATABASE_URL = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/nextbuy';
const REDIS_URL = env.REDIS_URL || 'redis://127.0.0.1:6379';

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[22m` : s);
const say = (line = '') => process.stdout.write(`${line}\n`);
const timings = [];
const children = [];

class DemoError extends Error {}

async function step(title, fn) {
  say(bold(`\n▶ ${title}`));
  const started = Date.now();
  const result = await fn();
  const seconds = (Date.now() - started) / 1000;
  timings.push([title, seconds]);
  say(`  (${seconds.toFixed(1)} s)`);
  return result;
}

/** Runs a command with the terminal attached; rejects unless it exits with one of `ok`. */
function run(command, args, { ok = [0], quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: quiet ? 'ignore' : 'inherit' });
    child.on('error', (e) => reject(new DemoError(`${command}: ${e.message}`)));
    child.on('exit', (code, signal) => {
      if (ok.includes(code)) resolve(code);
      else
        reject(
          new DemoError(
            `\`${[command, ...args].join(' ')}\` ${signal ? `was killed (${signal})` : `exited with ${code}`}`,
          ),
        );
    });
  });
}

/** The `nextbuy` command as built in this checkout. */
const nextbuy = (args, options) => run(process.execPath, ['packages/cli/dist/main.js', ...args], options);

function nextbuyJson(args) {
  const r = spawnSync(process.execPath, ['packages/cli/dist/main.js', ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new DemoError(`nextbuy ${args.join(' ')}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);
const hasCommand = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

function tcpOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(host, port, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await tcpOpen(host, port)) return true;
    await sleep(250);
  }
  return false;
}

const isLocal = (host) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

/** Postgres or Redis: reachable, or started here when it is local and the start command exists. */
async function ensureService({ what, url, defaultPort, start, variable }) {
  const u = new URL(url);
  const host = u.hostname;
  const port = Number(u.port || defaultPort);
  if (await tcpOpen(host, port)) {
    say(`  ${what} is up at ${host}:${port}`);
    return;
  }
  const command = isLocal(host) ? start() : undefined;
  if (!command)
    throw new DemoError(
      `${what} is not reachable at ${host}:${port}. Start it (e.g. \`docker compose up -d ${what.toLowerCase()}\`) or set ${variable}.`,
    );
  say(`  ${what} is down: ${command.join(' ')}`);
  await run(command[0], command.slice(1));
  if (!(await waitForPort(host, port, 20_000)))
    throw new DemoError(`${what} did not come up at ${host}:${port} after \`${command.join(' ')}\``);
  say(`  ${what} is up at ${host}:${port}`);
}

function startPostgres() {
  if (!hasCommand('pg_ctlcluster') || !existsSync('/etc/postgresql')) return undefined;
  const versions = readdirSync('/etc/postgresql').sort((a, b) => Number(a) - Number(b));
  if (versions.length === 0) return undefined;
  return ['pg_ctlcluster', '--skip-systemctl-redirect', versions[versions.length - 1], 'main', 'start'];
}

function startRedis() {
  if (!hasCommand('redis-server')) return undefined;
  const port = new URL(REDIS_URL).port || '6379';
  return [
    'redis-server',
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    port,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
}

async function healthy(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

function tail(path, lines = 15) {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts the apps in the background (own process groups: Ctrl-C reaches this script, which stops them in order). */
async function startApps() {
  const list = apps();
  const up = await Promise.all(list.map((a) => healthy(a.port)));
  if (up.every(Boolean)) {
    say('  the apps are already running (another `npm start` or demo): using them');
    return false;
  }
  const busy = [];
  for (const [i, a] of list.entries()) if (up[i] || (await tcpOpen('127.0.0.1', a.port))) busy.push(a);
  if (busy.length)
    throw new DemoError(
      `port(s) ${busy.map((a) => `${a.port} (${a.name})`).join(', ')} already in use: stop what runs there (an earlier \`npm start\`?) and run the demo again`,
    );
  mkdirSync(join(ROOT, LOG_DIR), { recursive: true });
  for (const app of list) {
    const log = join(ROOT, LOG_DIR, `${app.name}.log`);
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, [...app.nodeArgs, app.main], {
      cwd: ROOT,
      env: { ...env, ...app.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    child.app = app;
    child.log = log;
    child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    children.push(child);
  }
  const until = Date.now() + HEALTH_TIMEOUT_MS;
  const pending = new Set(children);
  while (pending.size) {
    for (const child of [...pending]) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new DemoError(
          `${child.app.name} stopped while starting; the end of ${child.log}:\n${tail(child.log)}`,
        );
      if (await healthy(child.app.port)) {
        say(
          `  ${child.app.name.padEnd(10)} http://localhost:${child.app.port}/health ok  (log: ${LOG_DIR}/${child.app.name}.log)`,
        );
        pending.delete(child);
      }
    }
    if (pending.size && Date.now() > until)
      throw new DemoError(
        `${[...pending].map((c) => c.app.name).join(', ')} not healthy after ${HEALTH_TIMEOUT_MS / 1000} s; see ${LOG_DIR}/`,
      );
    if (pending.size) await sleep(300);
  }
  return true;
}

let stopping;
/** SIGTERM to every app (they close gracefully), SIGKILL for any still alive after the grace period. */
function stopApps() {
  stopping ??= (async () => {
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
    if (alive.length === 0) return;
    say(`\nstopping ${alive.map((c) => c.app.name).join(', ')} …`);
    for (const c of alive) c.kill('SIGTERM');
    const timer = setTimeout(() => alive.forEach((c) => c.kill('SIGKILL')), STOP_TIMEOUT_MS);
    await Promise.all(alive.map((c) => c.exited));
    clearTimeout(timer);
    say('all apps stopped');
  })();
  return stopping;
}

/** A build left in flight (a demo stopped mid-rebuild) finishes once the workers run: wait for it. */
async function waitForBuildInFlight() {
  const until = Date.now() + 10 * 60_000;
  for (;;) {
    const [build] = nextbuyJson(['status', '--json']).builds_in_flight ?? [];
    if (!build) return;
    if (Date.now() > until)
      throw new DemoError(
        `build ${build.build_id} is still ${build.status} after 10 minutes: see \`nextbuy status\``,
      );
    say(`  build ${build.build_id} is still ${build.status} (started earlier): waiting for it`);
    await sleep(3000);
  }
}

async function main() {
  const demoStarted = Date.now();
  await step('dependencies', async () => {
    const stale =
      mtime(join(ROOT, 'package-lock.json')) > mtime(join(ROOT, 'node_modules/.package-lock.json'));
    if (!existsSync(join(ROOT, 'node_modules')) || stale)
      await run('npm', ['install', '--no-audit', '--no-fund']);
    else say('  node_modules is up to date');
  });
  // Turbo caches: a build with nothing changed takes a second or two.
  await step('build', () => run('npm', ['run', 'build', '--', '--output-logs=errors-only']));
  await step('Postgres and Redis', async () => {
    await ensureService({
      what: 'Postgres',
      url: DATABASE_URL,
      defaultPort: 5432,
      start: startPostgres,
      variable: 'DATABASE_URL',
    });
    await ensureService({
      what: 'Redis',
      url: REDIS_URL,
      defaultPort: 6379,
      start: startRedis,
      variable: 'REDIS_URL',
    });
  });
  await step('migrate', () => nextbuy(['migrate']));
  const files = Object.fromEntries(Object.entries(DATA_FILES).map(([k, f]) => [k, join(DATA_DIR, f)]));
  await step('dataset (UCI Online Retail → canonical files)', async () => {
    if (Object.values(files).every((f) => existsSync(join(ROOT, f))))
      say(`  ${DATA_DIR} already has the three files`);
    else await nextbuy(['dataset', 'online-retail', '--out', DATA_DIR]);
  });
  // A re-run stores nothing new; a rejected row (exit 1) is reported and does not stop the demo.
  await step('import', () =>
    nextbuy(
      ['import', '--products', files.products, '--customers', files.customers, '--events', files.events],
      {
        ok: [0, 1],
      },
    ),
  );
  const own = await step('start the apps', startApps);
  await step('rebuild', async () => {
    await waitForBuildInFlight();
    await nextbuy(['rebuild', '--wait']);
  });
  await step('recommendations', async () => {
    for (const customer of DEMO_CUSTOMERS) {
      say(`\n$ nextbuy recommend ${customer} --limit 5`);
      await nextbuy(['recommend', customer, '--limit', '5']);
    }
  });
  const [servingApp, ingestionApp, consoleApp] = ['serving', 'ingestion', 'console'].map((n) =>
    apps().find((a) => a.name === n),
  );
  say(bold('\n▶ nextbuy is running'));
  say(
    `  console          http://localhost:${consoleApp.port}/  (sign in with ${env.NEXTBUY_API_KEYS === DEMO_KEYS ? 'demo-admin, or demo-ops for a read-only view' : 'an API key'})`,
  );
  say(`  serving API      http://localhost:${servingApp.port}/docs`);
  say(`  ingestion API    http://localhost:${ingestionApp.port}/docs`);
  say(
    `  metrics          ${apps()
      .map((a) => `http://localhost:${a.port}/metrics`)
      .join('  ')}`,
  );
  say(
    `  API keys         ${env.NEXTBUY_API_KEYS === DEMO_KEYS ? DEMO_KEYS : '(yours, from NEXTBUY_API_KEYS)'}`,
  );
  say(
    `  try              curl -H 'x-api-key: ${env.NEXTBUY_API_KEYS === DEMO_KEYS ? 'demo-read' : 'KEY'}' 'http://localhost:${servingApp.port}/v1/customers/${DEMO_CUSTOMERS[0]}/recommendations?limit=3'`,
  );
  say(`  logs             ${own ? `${LOG_DIR}/*.log` : '(where the running apps write them)'}`);
  say(bold('\n▶ timings'));
  for (const [title, seconds] of timings) say(`  ${title.padEnd(48)} ${seconds.toFixed(1).padStart(7)} s`);
  say(`  ${'total'.padEnd(48)} ${((Date.now() - demoStarted) / 1000).toFixed(1).padStart(7)} s`);
  if (!own) return;
  say(bold('\nthe apps keep running: Ctrl-C stops them'));
  await new Promise((resolve) => {
    onSignal = resolve;
    for (const c of children) void c.exited.then(resolve);
  });
  const early = children.filter((c) => c.exitCode !== null || c.signalCode !== null);
  if (early.length && !stopping)
    say(`\n${early.map((c) => c.app.name).join(', ')} stopped by itself; see ${LOG_DIR}/`);
  await stopApps();
}

// Ctrl-C during the set-up steps reaches the running command too; the apps are stopped here.
// Once everything runs, it ends the foreground wait instead.
let onSignal = () => void stopApps().then(() => process.exit(130));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => onSignal());

main().then(
  () => process.exit(0),
  async (e) => {
    process.stderr.write(`\ndemo: ${e instanceof DemoError ? e.message : (e?.stack ?? e)}\n`);
    await stopApps();
    process.exit(1);
  },
);
