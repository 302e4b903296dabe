// The apps of nextbuy as this machine runs them (candidates twice: rebuild workers, real time; the console) (`npm start`, `npm run demo`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every port `npm start` opens, from the environment (defaults as in packages/config), so two
 * stacks share a host when they set different ones. The extra workers' health ports are
 * `FEATURES_EXTRA_PORT_BASE` + 1, + 2, … and `CANDIDATES_EXTRA_PORT_BASE` + 1, …
 */
export function ports(env = process.env) {
  const port = (name, fallback) => Number(env[name] || fallback);
  return {
    serving: port('SERVING_PORT', 3000),
    ingestion: port('INGESTION_PORT', 3001),
    features: port('FEATURES_PORT', 3002),
    candidates: port('CANDIDATES_PORT', 3003),
    featuresExtraBase: port('FEATURES_EXTRA_PORT_BASE', 3010),
    candidatesExtraBase: port('CANDIDATES_EXTRA_PORT_BASE', 3020),
    /** `/health` port of the real-time candidates process. */
    realtime: port('REALTIME_PORT', 3030),
    console: port('CONSOLE_PORT', 3040),
  };
}

/**
 * Worker processes per worker app: rebuild stages are CPU-bound and run one per process, so one
 * per core lets a rebuild use the whole machine (workers share their queue; stages and shards
 * spread over them). `FEATURES_WORKERS` / `CANDIDATES_WORKERS` change it.
 */
const workers = (env, variable) => Math.max(1, Number(env[variable] || 2));

/**
 * CPU niceness of the background processes (rebuild workers, real-time refreshes): when the cores are
 * busy, serving's reads and the events API go first (BENCHMARKS.md, "Reads under writes").
 * `WORKER_NICENESS=0` runs them at normal priority.
 */
const workerEnv = (env) => ({ CPU_NICENESS: env.WORKER_NICENESS || '10' });

/** `count` processes of one worker app; the extra ones take health ports after `extraPorts`. */
function workerApp(env, app, portVariable, firstPort, countVariable, extraPorts, color) {
  return Array.from({ length: workers(env, countVariable) }, (_, i) => ({
    name: i === 0 ? app : `${app}-${i + 1}`,
    app,
    port: i === 0 ? firstPort : extraPorts + i,
    color,
    env: i === 0 ? workerEnv(env) : { ...workerEnv(env), [portVariable]: String(extraPorts + i) },
  }));
}

/** Node flags of the serving process (see `apps()`). */
export const SERVING_NODE_ARGS = ['--initial-old-space-size=256'];

/**
 * Name, app folder, entry point, `/health` port (same defaults as packages/config), log colour,
 * node flags and the environment that differs per process.
 */
export function apps(env = process.env) {
  const p = ports(env);
  return [
    { name: 'ingestion', port: p.ingestion, color: 'cyan' },
    ...workerApp(
      env,
      'features',
      'FEATURES_PORT',
      p.features,
      'FEATURES_WORKERS',
      p.featuresExtraBase,
      'magenta',
    ),
    ...workerApp(
      env,
      'candidates',
      'CANDIDATES_PORT',
      p.candidates,
      'CANDIDATES_WORKERS',
      p.candidatesExtraBase,
      'yellow',
    ).map((a) => ({
      ...a,
      env: { ...a.env, CANDIDATES_ROLE: 'rebuild' },
    })),
    // Real-time refreshes in a candidates process of their own: a rank shard holds its worker's
    // event loop for seconds, which would stall every refresh queued behind it (BENCHMARKS.md).
    {
      name: 'realtime',
      app: 'candidates',
      port: p.realtime,
      color: 'blue',
      env: { ...workerEnv(env), CANDIDATES_ROLE: 'realtime', CANDIDATES_PORT: String(p.realtime) },
    },
    // V8 starts the old generation at 256 MB: with its small default, serving ran a full mark-compact
    // (7–14 ms pause) about every second at 1,000 req/s, which was its p99 (BENCHMARKS.md, serving).
    // The container images read the same flags from NEXTBUY_NODE_FLAGS (docker-compose.yml, infra/k8s).
    { name: 'serving', port: p.serving, color: 'green', nodeArgs: SERVING_NODE_ARGS },
    // The operations console: scrapes serving and the real-time process for its live figures.
    {
      name: 'console',
      port: p.console,
      color: 'white',
      env: env.CONSOLE_METRICS_URLS
        ? {}
        : {
            CONSOLE_METRICS_URLS: [p.serving, p.realtime]
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
export function unbuiltApps(env = process.env) {
  return apps(env).filter((app) => !existsSync(join(ROOT, app.main)));
}
