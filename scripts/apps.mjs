// The apps of nextbuy as this machine runs them (candidates twice: rebuild workers, real time; the console) (`npm start`, `npm run demo`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const port = (name, fallback) => Number(process.env[name] || fallback);

/**
 * Worker processes per worker app: rebuild stages are CPU-bound and run one per process, so one
 * per core lets a rebuild use the whole machine (workers share their queue; stages and shards
 * spread over them). `FEATURES_WORKERS` / `CANDIDATES_WORKERS` change it.
 */
const workers = (variable) => Math.max(1, Number(process.env[variable] || 2));

/**
 * CPU niceness of the background processes (rebuild workers, real-time refreshes): when the cores are
 * busy, serving's reads and the events API go first (BENCHMARKS.md, "Reads under writes").
 * `WORKER_NICENESS=0` runs them at normal priority.
 */
const WORKER_ENV = { CPU_NICENESS: process.env.WORKER_NICENESS || '10' };

/** `count` processes of one worker app; the extra ones take health ports from `extraPorts` on. */
function workerApp(app, portVariable, defaultPort, countVariable, extraPorts, color) {
  return Array.from({ length: workers(countVariable) }, (_, i) => ({
    name: i === 0 ? app : `${app}-${i + 1}`,
    app,
    port: i === 0 ? port(portVariable, defaultPort) : extraPorts + i,
    color,
    env: i === 0 ? { ...WORKER_ENV } : { ...WORKER_ENV, [portVariable]: String(extraPorts + i) },
  }));
}

/** Node flags of the serving process (see `apps()`). */
export const SERVING_NODE_ARGS = ['--initial-old-space-size=256'];

/** `/health` port of the real-time candidates process (the extra workers' ports are fixed the same way). */
const REALTIME_PORT = 3030;

/**
 * Name, app folder, entry point, `/health` port (same defaults as packages/config), log colour,
 * node flags and the environment that differs per process.
 */
export function apps() {
  return [
    { name: 'ingestion', port: port('INGESTION_PORT', 3001), color: 'cyan' },
    ...workerApp('features', 'FEATURES_PORT', 3002, 'FEATURES_WORKERS', 3010, 'magenta'),
    ...workerApp('candidates', 'CANDIDATES_PORT', 3003, 'CANDIDATES_WORKERS', 3020, 'yellow').map((a) => ({
      ...a,
      env: { ...a.env, CANDIDATES_ROLE: 'rebuild' },
    })),
    // Real-time refreshes in a candidates process of their own: a rank shard holds its worker's
    // event loop for seconds, which would stall every refresh queued behind it (BENCHMARKS.md).
    {
      name: 'realtime',
      app: 'candidates',
      port: REALTIME_PORT,
      color: 'blue',
      env: { ...WORKER_ENV, CANDIDATES_ROLE: 'realtime', CANDIDATES_PORT: String(REALTIME_PORT) },
    },
    // V8 starts the old generation at 256 MB: with its small default, serving ran a full mark-compact
    // (7–14 ms pause) about every second at 1,000 req/s, which was its p99 (BENCHMARKS.md, serving).
    // The container images read the same flags from NEXTBUY_NODE_FLAGS (docker-compose.yml, infra/k8s).
    { name: 'serving', port: port('SERVING_PORT', 3000), color: 'green', nodeArgs: SERVING_NODE_ARGS },
    // The operations console: scrapes serving and the real-time process for its live figures.
    {
      name: 'console',
      port: port('CONSOLE_PORT', 3040),
      color: 'white',
      env: process.env.CONSOLE_METRICS_URLS
        ? {}
        : {
            CONSOLE_METRICS_URLS: [port('SERVING_PORT', 3000), REALTIME_PORT]
              .map((p) => `http://127.0.0.1:${p}/metrics`)
              .join(','),
          },
    },
  ].map((app) => ({
    env: {},
    nodeArgs: [],
    app: app.name,
    ...app,
    main: join('apps', app.app ?? app.name, 'dist', 'main.js'),
  }));
}

/** Apps whose build output is missing (`npm run build` makes it). */
export function unbuiltApps() {
  return apps().filter((app) => !existsSync(join(ROOT, app.main)));
}
