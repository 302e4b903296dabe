import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A real Redis Cluster of three masters on free ports, for tests; `stop()` ends it and removes its files. */
export interface TestRedisCluster {
  /** `host:port` of every node. */
  nodes: string[];
  stop(): Promise<void>;
}

/** Whether `port` and its cluster bus port (+10000) can both be bound now. */
async function free(port: number): Promise<boolean> {
  const tryBind = (p: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(p, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  return (await tryBind(port)) && (await tryBind(port + 10_000));
}

async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (!ports.includes(port) && (await free(port))) ports.push(port);
  }
  if (ports.length < count) throw new Error('no free ports for a Redis Cluster');
  return ports;
}

/**
 * Starts `redis-server --cluster-enabled yes` three times and joins them with
 * `redis-cli --cluster create`. Fails loudly when redis-server or redis-cli is missing: a test
 * that needs a cluster is never skipped.
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  for (const tool of ['redis-server', 'redis-cli'])
    await run(tool, ['--version']).catch(() => {
      throw new Error(
        `${tool} is not installed: the Redis Cluster test needs it (apt-get install redis-server)`,
      );
    });
  const dir = mkdtempSync(join(tmpdir(), 'nextbuy-redis-cluster-'));
  const ports = await freePorts(3);
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async () => {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (server.exitCode !== null) return resolve();
            server.once('exit', () => resolve());
            server.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    for (const port of ports) await waitFor(async () => (await cli(port, 'PING')) === 'PONG');
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports)
      await waitFor(async () => (await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'));
    return { nodes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function cli(port: number, ...args: string[]): Promise<string> {
  try {
    return (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
  } catch {
    return '';
  }
}

async function waitFor(ok: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error('the Redis Cluster did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
}
