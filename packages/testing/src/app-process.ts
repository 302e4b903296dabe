import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The repository's root (this file is in `packages/testing/src` or, built, `packages/testing/dist`). */
export const REPO_ROOT = join(__dirname, '../../..');
/** How long a process gets to come up before a test gives up on it (boots take seconds on a busy machine). */
const START_TIMEOUT_MS = 60_000;
const POLL_MS = 100;
/** What is kept of a process's stderr, to say why it exited: its last bytes. */
const STDERR_KEPT = 4096;

/** A TCP port nobody listens on right now (the kernel's pick, so never one a test already holds). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type AppName = 'ingestion' | 'features' | 'candidates' | 'serving';

const PORT_VARIABLE: Record<AppName, string> = {
  ingestion: 'INGESTION_PORT',
  features: 'FEATURES_PORT',
  candidates: 'CANDIDATES_PORT',
  serving: 'SERVING_PORT',
};

/**
 * One built app (`apps/<app>/dist/main.js`) as a child process, on a free port; `/health/live`
 * answers once `start` resolves. A process that exits on its way up fails `start` at once, with the
 * end of its stderr (a boot failure is printed there: `runHttpApp`).
 */
export class AppProcess {
  private child?: ChildProcess;
  port = 0;
  /** How the last process ended: its exit code, or the signal that killed it. */
  lastExit?: number | NodeJS.Signals;
  /** The last `STDERR_KEPT` bytes the current process wrote to stderr. */
  private stderr = '';

  constructor(
    readonly app: AppName,
    private readonly env: () => Record<string, string>,
    private readonly nodeArgs: string[] = [],
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the current process has exited (or none was started). */
  get exited(): boolean {
    const child = this.child;
    return child === undefined || child.exitCode !== null || child.signalCode !== null;
  }

  /** Why the current process ended, with the end of its stderr: for a test's failure message. */
  describeExit(): string {
    const how = this.lastExit === undefined ? 'is running' : `exited with ${this.lastExit}`;
    const said = this.stderr.trim();
    return `${this.app} ${how}${said ? `; its stderr ends:\n${said}` : ' (nothing on stderr)'}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.stderr = '';
    this.lastExit = undefined;
    const child = spawn(process.execPath, [...this.nodeArgs, join('apps', this.app, 'dist', 'main.js')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        ...this.env(),
        [PORT_VARIABLE[this.app]]: String(this.port),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEPT);
    });
    const ended = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        this.lastExit = code ?? signal ?? undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (this.exited) {
        await ended;
        throw new Error(`${this.app} did not come up: ${this.describeExit()}`);
      }
      const live = await fetch(`${this.url}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
      if (live) return;
      if (Date.now() > deadline)
        throw new Error(`${this.app} did not come up within ${START_TIMEOUT_MS} ms: ${this.describeExit()}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Sends `signal` and waits for the process to be gone. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (!this.exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await gone;
    }
    if (this.child === child) this.child = undefined;
  }
}
