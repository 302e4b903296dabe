import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** `scripts/apps.mjs` is an ES module run by plain node: ask a node of its own for its answer. */
function appsFor(env: Record<string, string>): { name: string; port: number; env: Record<string, string> }[] {
  const script = `import(${JSON.stringify(join(__dirname, '..', '..', 'scripts', 'apps.mjs'))})
    .then((m) => process.stdout.write(JSON.stringify(m.apps(${JSON.stringify(env)}))))`;
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout);
}

describe('npm start ports', () => {
  it('keeps the documented defaults', () => {
    const ports = Object.fromEntries(appsFor({}).map((a) => [a.name, a.port]));
    expect(ports).toEqual({
      ingestion: 3001,
      features: 3002,
      'features-2': 3011,
      candidates: 3003,
      'candidates-2': 3021,
      realtime: 3030,
      serving: 3000,
      console: 3040,
    });
  });

  it('takes every port from the environment, so two stacks share a host', () => {
    const env = {
      SERVING_PORT: '4000',
      INGESTION_PORT: '4001',
      FEATURES_PORT: '4002',
      CANDIDATES_PORT: '4003',
      FEATURES_EXTRA_PORT_BASE: '4010',
      CANDIDATES_EXTRA_PORT_BASE: '4020',
      REALTIME_PORT: '4030',
      CONSOLE_PORT: '4040',
      FEATURES_WORKERS: '3',
      CANDIDATES_WORKERS: '3',
    };
    const second = appsFor(env);
    const first = appsFor({ FEATURES_WORKERS: '3', CANDIDATES_WORKERS: '3' });
    const taken = new Set(first.map((a) => a.port));
    expect(second.filter((a) => taken.has(a.port))).toEqual([]);
    expect(new Set(second.map((a) => a.port)).size).toBe(second.length);
    const byName = Object.fromEntries(second.map((a) => [a.name, a]));
    expect(byName['features-3']).toMatchObject({ port: 4012, env: { FEATURES_PORT: '4012' } });
    expect(byName['candidates-2']).toMatchObject({ port: 4021, env: { CANDIDATES_PORT: '4021' } });
    expect(byName.realtime).toMatchObject({ port: 4030, env: { CANDIDATES_PORT: '4030' } });
    expect(byName.console!.env.CONSOLE_METRICS_URLS).toBe(
      'http://127.0.0.1:4000/metrics,http://127.0.0.1:4030/metrics',
    );
  });
});
