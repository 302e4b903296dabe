import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clearRedisPrefix,
  createTestDatabase,
  freePort,
  TEST_REDIS_URL,
  uniqueQueuePrefix,
} from '@nextbuy/testing';
import type { TestDatabase } from '@nextbuy/testing';

/** The niceness of every thread of a process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

/** pino's `error`: anyone alerting on errors pages on this level and above. */
const ERROR_LEVEL = 50;
const BOOT_TIMEOUT_MS = 45_000;

interface LogLine {
  level: number;
  msg?: string;
  context?: string;
}

/**
 * Starts a built app, collects its JSON log lines until it says it listens, then stops it with
 * SIGTERM and collects the rest.
 */
async function bootLogs(
  main: string,
  env: Record<string, string>,
  onListening?: (pid: number) => void,
): Promise<LogLine[]> {
  const child = spawn(process.execPath, [main], {
    cwd: join(__dirname, '../..'),
    env: { ...process.env, ...env, NODE_ENV: 'production', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let text = '';
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${main} did not listen within ${BOOT_TIMEOUT_MS} ms`)),
      BOOT_TIMEOUT_MS,
    );
    const read = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, nl).trim();
        text = text.slice(nl + 1);
        if (!line) continue;
        // A line that is not JSON (a raw stack on stderr) counts as an error.
        const parsed = line.startsWith('{')
          ? (JSON.parse(line) as LogLine)
          : { level: ERROR_LEVEL, msg: line };
        lines.push(parsed);
        if (/ listening on /.test(parsed.msg ?? '')) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // What it printed says why (a boot failure goes to stderr: `runHttpApp`).
      const said = [...lines.slice(-10).map((l) => l.msg ?? JSON.stringify(l)), text].join('\n').trim();
      reject(new Error(`${main} exited with ${code} before listening; its output ends:\n${said}`));
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await listening;
    onListening?.(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return lines;
}

// Issue #15, defect 8: every worker logged a level-50 ExceptionHandler error with a stack at boot
// ("Nest could not find HttpRateLimiter element"), a false alarm for anyone alerting on errors.
describe('boot logs of the built apps', () => {
  let db: TestDatabase;
  const prefix = uniqueQueuePrefix();
  const port = async () => String(await freePort());

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await clearRedisPrefix(prefix).catch(() => undefined);
    await db?.drop();
  });

  it('log nothing at error level on a clean boot and shutdown', async () => {
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      NEXTBUY_API_KEYS: 'boot-read:read',
      FEATURES_PORT: await port(),
      CANDIDATES_PORT: await port(),
      INGESTION_PORT: await port(),
    };
    const apps = [
      'apps/features/dist/main.js',
      'apps/candidates/dist/main.js',
      'apps/ingestion/dist/main.js',
    ];
    const logs = await Promise.all(apps.map((main) => bootLogs(main, env)));
    apps.forEach((main, i) => {
      const lines = logs[i]!;
      expect(lines.some((l) => / listening on /.test(l.msg ?? ''))).toBe(true);
      expect({ main, errors: lines.filter((l) => l.level >= ERROR_LEVEL) }).toEqual({ main, errors: [] });
    });
  });

  // A worker's decorators read the environment when the module loads, before the bootstrap checks it.
  it('say what is wrong with a bad environment in a line, without a stack, and exit 1', () => {
    for (const [main, env] of [
      ['apps/features/dist/main.js', { FEATURES_PORT: 'abc' }],
      ['apps/candidates/dist/main.js', { WORKER_LOCK_MS: 'soon' }],
      ['apps/serving/dist/main.js', { SERVING_PORT: 'abc' }],
    ] as const) {
      const run = spawnSync(process.execPath, [main], {
        cwd: join(__dirname, '../..'),
        env: { ...process.env, ...env, NODE_ENV: 'production' },
        encoding: 'utf8',
        timeout: BOOT_TIMEOUT_MS,
      });
      const name = Object.keys(env)[0]!;
      expect({ main, status: run.status }).toEqual({ main, status: 1 });
      expect(run.stderr).toContain(`failed to start: Invalid environment:\n  ${name}:`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  // Issue #15, defect 9: background processes yield the cores to serving's reads.
  it('run every thread at CPU_NICENESS', async () => {
    let niceness: number[] = [];
    await bootLogs(
      'apps/candidates/dist/main.js',
      {
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: prefix,
        CANDIDATES_PORT: await port(),
        CPU_NICENESS: '7',
      },
      (pid) => (niceness = threadNiceness(pid)),
    );
    expect(niceness.length).toBeGreaterThan(1);
    expect(new Set(niceness)).toEqual(new Set([7]));
  });
});
