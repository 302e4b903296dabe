// The four apps of nextbuy as this machine runs them (`npm start`, `npm run demo`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const port = (name, fallback) => Number(process.env[name] || fallback);

/**
 * Candidates workers to run: rank shards are CPU-bound and run one per process, so one per core
 * lets a rebuild use the whole machine (workers share the queue; shards spread over them).
 */
const candidatesWorkers = () => Math.max(1, Number(process.env.CANDIDATES_WORKERS || 2));

/**
 * Name, app folder, entry point, `/health` port (same defaults as packages/config), log colour
 * and the environment that differs per process (extra candidates workers get the next ports).
 */
export function apps() {
  const base = port('CANDIDATES_PORT', 3003);
  const candidates = Array.from({ length: candidatesWorkers() }, (_, i) => ({
    name: i === 0 ? 'candidates' : `candidates-${i + 1}`,
    app: 'candidates',
    port: i === 0 ? base : base + i,
    color: 'yellow',
    env: i === 0 ? {} : { CANDIDATES_PORT: String(base + i) },
  }));
  return [
    { name: 'ingestion', port: port('INGESTION_PORT', 3001), color: 'cyan' },
    { name: 'features', port: port('FEATURES_PORT', 3002), color: 'magenta' },
    ...candidates,
    { name: 'serving', port: port('SERVING_PORT', 3000), color: 'green' },
  ].map((app) => ({ env: {}, app: app.name, ...app, main: join('apps', app.app ?? app.name, 'dist', 'main.js') }));
}

/** Apps whose build output is missing (`npm run build` makes it). */
export function unbuiltApps() {
  return apps().filter((app) => !existsSync(join(ROOT, app.main)));
}
