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
