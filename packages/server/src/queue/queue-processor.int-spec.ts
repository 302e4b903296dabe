/**
 * A stage's maths holds its worker's event loop, and the job's lock is renewed by a timer on that
 * loop: with the worker timings, a job whose handler blocks for most of the lock keeps it (no other
 * worker takes it as stalled and runs it again).
 */
import { Worker, type Job } from 'bullmq';
import type Redis from 'ioredis';
import { JobName, QueueName } from '@nextbuy/contracts';
import { createProducerConnection, JobProducer, whenReady } from '@nextbuy/queue';
import { clearRedisPrefix, TEST_REDIS_URL, uniqueQueuePrefix } from '@nextbuy/testing';
import { LockKeeper } from './lock-keeper';
import { redisOptionsFromUrl } from './redis-options';

const LOCK_MS = 2000;
/**
 * The job alternates waits (I/O) with synchronous stretches of 65 % of the lock: a stretch can
 * start just before a renewal was due, which BullMQ's default (renew every half lock) does not survive.
 */
const BLOCK_MS = 1300;
const WAIT_MS = 900;
const BLOCKS = 3;

function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe('worker timings and a job that blocks its event loop (real Redis)', () => {
  const prefix = uniqueQueuePrefix();
  let redis: Redis;
  let producer: JobProducer;
  const workers: Worker[] = [];

  beforeAll(async () => {
    process.env.WORKER_LOCK_MS = String(LOCK_MS);
    process.env.WORKER_STALLED_CHECK_MS = '500';
    redis = createProducerConnection(TEST_REDIS_URL);
    await whenReady(redis);
    producer = new JobProducer(redis, prefix);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close(true)));
    await producer.close();
    redis.disconnect();
    await clearRedisPrefix(prefix);
  });

  it('keeps the lock of a job that blocks its loop for 65 % of the lock at a time', async () => {
    const { workerTimings } = await import('./queue-processor');
    const timings = workerTimings();
    expect(timings.lockDuration).toBe(LOCK_MS);
    let runs = 0;
    const stalled: string[] = [];
    const lostLocks: string[] = [];
    const worker = (handler: (job: Job) => Promise<void>) => {
      const w = new Worker(QueueName.Candidates, handler, {
        connection: redisOptionsFromUrl(TEST_REDIS_URL),
        prefix,
        ...timings,
      });
      w.on('stalled', (jobId) => stalled.push(jobId));
      w.on('lockRenewalFailed', (jobIds) => lostLocks.push(...jobIds));
      // A lost lock is also an `error` event; `lostLocks` reports it.
      w.on('error', () => undefined);
      workers.push(w);
      return w;
    };
    const busy = worker(async () => {
      runs++;
      for (let i = 0; i < BLOCKS; i++) {
        await new Promise((r) => setTimeout(r, WAIT_MS));
        blockFor(BLOCK_MS);
      }
    });
    await busy.waitUntilReady();
    // Done either way: completed, or failed because the lock was lost meanwhile.
    const completed = new Promise<void>((resolve) => {
      busy.once('completed', () => resolve());
      busy.once('failed', () => resolve());
    });
    await producer.add(JobName.RankShard, { buildId: '1', shard: 0, shards: 1 }, { jobId: 'shard-0' });
    // Another worker of the queue checks for stalled jobs meanwhile and would run this one again.
    worker(() => {
      runs++;
      return Promise.resolve();
    });
    await completed;
    expect({ runs, stalled, lostLocks }).toEqual({ runs: 1, stalled: [], lostLocks: [] });
  });
});

describe('LockKeeper: a job that blocks its event loop for longer than its lock (real Redis)', () => {
  const prefix = uniqueQueuePrefix();
  const lockMs = 1000;
  const timings = { lockDuration: lockMs, lockRenewTime: lockMs / 10, stalledInterval: 300 };
  let redis: Redis;
  let producer: JobProducer;
  const workers: Worker[] = [];
  let keeper: LockKeeper;

  beforeAll(async () => {
    redis = createProducerConnection(TEST_REDIS_URL);
    await whenReady(redis);
    producer = new JobProducer(redis, prefix);
    keeper = new LockKeeper({
      connection: redisOptionsFromUrl(TEST_REDIS_URL),
      prefix,
      lockDurationMs: lockMs,
      renewEveryMs: lockMs / 10,
    });
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close(true)));
    await keeper.stop();
    await producer.close();
    redis.disconnect();
    await clearRedisPrefix(prefix);
  });

  /** One job blocking its worker's loop for 2.5 locks, a second worker checking for stalled jobs. */
  async function blockedJob(jobId: string, keep: boolean) {
    let runs = 0;
    const stalled: string[] = [];
    const completed: string[] = [];
    const watch = (w: Worker) => {
      w.on('stalled', (id) => stalled.push(id));
      w.on('completed', (job) => completed.push(job.id!));
      w.on('error', () => undefined);
      workers.push(w);
      return w;
    };
    const options = { connection: redisOptionsFromUrl(TEST_REDIS_URL), prefix, ...timings };
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let finished!: () => void;
    const returned = new Promise<void>((resolve) => (finished = resolve));
    const busy = watch(
      new Worker(
        QueueName.Candidates,
        async (job, token) => {
          runs++;
          started();
          const release = keep ? keeper.hold(job, token) : () => undefined;
          try {
            await new Promise((r) => setTimeout(r, 300)); // the keeper's thread starts
            blockFor(2.5 * lockMs);
          } finally {
            release();
            finished();
          }
        },
        options,
      ),
    );
    await busy.waitUntilReady();
    await producer.add(JobName.RankShard, { buildId: '1', shard: 0, shards: 1 }, { jobId });
    await running;
    // Another worker of the queue checks for stalled jobs meanwhile and would run this one again.
    const other = watch(new Worker(QueueName.Candidates, () => ((runs += 1), Promise.resolve()), options));
    await returned;
    // Long enough for the stalled checks that follow, and for a job run again to complete.
    const deadline = Date.now() + 10 * timings.stalledInterval;
    while (completed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 3 * timings.stalledInterval));
    await Promise.all([busy.close(true), other.close(true)]);
    return { runs, stalled, completed };
  }

  it('without it, the job is taken as stalled and run again (what a long stage meets)', async () => {
    const { runs, stalled } = await blockedJob('blocked-1', false);
    expect(stalled).toContain('blocked-1');
    expect(runs).toBe(2);
  });

  it('with it, the job keeps its lock and runs once', async () => {
    expect(await blockedJob('blocked-2', true)).toEqual({ runs: 1, stalled: [], completed: ['blocked-2'] });
  });
});
