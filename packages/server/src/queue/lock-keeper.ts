import { Worker } from 'node:worker_threads';
import type { RedisOptions } from 'ioredis';

export interface LockKeeperOptions {
  /** Where BullMQ is (plain options: they cross into the keeper's thread). */
  connection: RedisOptions;
  prefix: string;
  lockDurationMs: number;
  renewEveryMs: number;
}

/**
 * The keeper's thread. Plain JavaScript evaluated as a worker (no file to build or resolve from
 * either the sources or `dist`), requiring BullMQ by the path the main thread resolved. It extends
 * each held job's lock with BullMQ's own `Job.extendLock` (a no-op once the lock is not the
 * token's: a job finished, or taken over).
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { Job, Queue } = require(workerData.bullmq);
const queues = new Map();
const held = new Map();
const queueOf = (name) => {
  let queue = queues.get(name);
  if (!queue) {
    queue = new Queue(name, { connection: workerData.connection, prefix: workerData.prefix });
    queue.on('error', () => undefined);
    queues.set(name, queue);
  }
  return queue;
};
parentPort.on('message', (m) => {
  if (m.hold) held.set(m.key, m.hold);
  else held.delete(m.key);
});
let renewing = false;
setInterval(async () => {
  if (renewing) return;
  renewing = true;
  try {
    await Promise.all([...held].map(async ([key, h]) => {
      try {
        const job = new Job(queueOf(h.queue), h.name, {}, {}, h.id);
        if (!(await job.extendLock(h.token, workerData.lockDurationMs))) held.delete(key);
      } catch {
        // Redis away: BullMQ's own renewal meets the same; the next tick tries again.
      }
    }));
  } finally {
    renewing = false;
  }
}, workerData.renewEveryMs);
`;

/**
 * Keeps the locks of this process's running jobs from a thread of its own. BullMQ renews a job's lock
 * with a timer on the worker's event loop, and a stage's maths holds that loop: on a large catalogue
 * (a 100k-product store's item lists) or a loaded machine a stage blocks longer than the lock, its
 * job is taken as stalled, run again, and after a second time fails the build. The keeper's renewals
 * do not wait for the loop; BullMQ's go on beside them. A killed process takes its keeper with it, so
 * its jobs are recovered one lock duration later as before (`WORKER_LOCK_MS`). A process that is
 * alive but never returns keeps its job: the build then fails by `BUILD_STALE_MINUTES`.
 */
export class LockKeeper {
  private thread: Worker | undefined;
  private next = 0;

  constructor(private readonly options: LockKeeperOptions) {}

  /** Keeps the job's lock until the returned function is called. */
  hold(job: { queueName: string; name: string; id?: string }, token: string | undefined): () => void {
    if (!job.id || !token) return () => undefined;
    const key = this.next++;
    const thread = this.start();
    thread.postMessage({ key, hold: { queue: job.queueName, name: job.name, id: job.id, token } });
    return () => thread.postMessage({ key });
  }

  async stop(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    await thread?.terminate();
  }

  private start(): Worker {
    if (this.thread) return this.thread;
    const { connection, prefix, lockDurationMs, renewEveryMs } = this.options;
    const thread = new Worker(THREAD, {
      eval: true,
      workerData: { bullmq: require.resolve('bullmq'), connection, prefix, lockDurationMs, renewEveryMs },
    });
    // Never what keeps a process alive; an error in the thread leaves BullMQ's own renewal.
    thread.unref();
    thread.on('error', () => {
      if (this.thread === thread) this.thread = undefined;
    });
    this.thread = thread;
    return thread;
  }
}
