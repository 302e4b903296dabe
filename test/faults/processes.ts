/**
 * Real processes for the fault suite and its bench: a Redis and a Postgres cluster of the suite's own
 * (on free ports, in temp dirs, so they can be killed and restarted beside other people's tests),
 * and the built apps (`apps/*\/dist/main.js`) as child processes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@nextbuy/testing';

export const ROOT = join(__dirname, '../..');
/** How long a process gets to come up before the suite gives up on it (boots take seconds on a busy machine). */
const START_TIMEOUT_MS = 60_000;
const POLL_MS = 100;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than `undefined`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}

/** A `redis-server` on its own port; `kill` + `start` on the same port is a Redis restart. */
export class RedisServer {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'nextbuy-faults-redis-'));

  private constructor(readonly port: number) {}

  static async start(persistence: boolean): Promise<RedisServer> {
    const redis = new RedisServer(await freePort());
    await redis.start(persistence);
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `persistence`: an append-only file fsynced every write, so a restart keeps every acknowledged job. */
  async start(persistence: boolean): Promise<void> {
    if (!persistence) rmSync(join(this.dir, 'appendonlydir'), { recursive: true, force: true });
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        persistence ? 'yes' : 'no',
        '--appendfsync',
        'always',
        '--maxmemory-policy',
        'noeviction',
        '--dir',
        this.dir,
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    await until('redis to answer', async () => (ping(this.port) ? true : undefined), START_TIMEOUT_MS);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await exited(child);
    this.child = undefined;
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function ping(port: number): boolean {
  const res = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
  return res.stdout.trim() === 'PONG';
}

/**
 * A Postgres cluster of the suite's own, so an outage hurts nobody else's tests (the machine's
 * Postgres on 5432 is never stopped). Run as the `postgres` OS user when the suite runs as root:
 * Postgres refuses to run as root.
 */
export class PrivatePostgres {
  private readonly dir = mkdtempSync(join(tmpdir(), 'nextbuy-faults-pg-'));
  private readonly data = join(this.dir, 'data');
  private readonly bin: string;

  private constructor(readonly port: number) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
    this.bin = join('/usr/lib/postgresql', versions[versions.length - 1]!, 'bin');
  }

  static async create(): Promise<PrivatePostgres> {
    const pg = new PrivatePostgres(await freePort());
    if (process.getuid?.() === 0) {
      const { uid, gid } = postgresUser();
      chownSync(pg.dir, uid, gid);
    }
    pg.run('initdb', ['-D', pg.data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await pg.start();
    return pg;
  }

  /** A database on this cluster (the database part of the URL). */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  start(): Promise<void> {
    this.run('pg_ctl', [
      '-D',
      this.data,
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-l',
      join(this.dir, 'log'),
      '-w',
      'start',
    ]);
    return Promise.resolve();
  }

  /** `immediate`: as a crash (no checkpoint, every connection cut). */
  stop(): Promise<void> {
    this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
    return Promise.resolve();
  }

  dispose(): void {
    this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop'], false);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[], check = true): void {
    const path = join(this.bin, tool);
    const [cmd, argv] =
      process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
    const res = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (check && res.status !== 0) throw new Error(`${tool} failed: ${res.stderr || res.stdout}`);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const res = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return { uid: Number(res.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The built apps as child processes live in `@nextbuy/testing` (the e2e suite starts them too). */
export { AppProcess, freePort, type AppName } from '@nextbuy/testing';
