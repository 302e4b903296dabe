/**
 * A refresh that fails while the database is briefly away is retried with backoff until it goes
 * through: before, two attempts back to back were both spent inside a 10 s Postgres outage.
 */
import { Worker } from 'bullmq';
import type Redis from 'ioredis';
import { QueueName } from '@nextbuy/contracts';
import { clearRedisPrefix, TEST_REDIS_URL, uniqueQueuePrefix } from '@nextbuy/testing';
import { createProducerConnection, createWorkerConnection, whenReady } from './connections';
import { JobProducer } from './producer';
import { enqueueCustomerRefreshes, REFRESH_JOB_RETRIES, refreshRetryWindowMs } from './realtime';

describe('real-time refresh retries (real Redis)', () => {
  const prefix = uniqueQueuePrefix();
  let redis: Redis;
  let producer: JobProducer;
  let worker: Worker | undefined;
  let workerRedis: Redis | undefined;

  beforeAll(async () => {
    redis = createProducerConnection(TEST_REDIS_URL);
    await whenReady(redis);
    producer = new JobProducer(redis, prefix);
  });

  afterAll(async () => {
    await worker?.close(true);
    workerRedis?.disconnect();
    await producer.close();
    redis.disconnect();
    await clearRedisPrefix(prefix);
  });

  it('keeps retrying for longer than a short outage (half a minute)', () => {
    expect(refreshRetryWindowMs(REFRESH_JOB_RETRIES)).toBeGreaterThanOrEqual(30_000);
  });

  it('goes through once an outage of a few seconds is over, without retrying back to back', async () => {
    const outageEnds = Date.now() + 2500;
    const attempts: number[] = [];
    worker = new Worker(
      QueueName.Realtime,
      () => {
        attempts.push(Date.now());
        if (Date.now() < outageEnds) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
        return Promise.resolve();
      },
      { connection: (workerRedis = createWorkerConnection(TEST_REDIS_URL)), prefix },
    );
    const completed = new Promise<void>((resolve) => worker!.on('completed', () => resolve()));
    await enqueueCustomerRefreshes(producer, ['c1'], 0);
    await completed;
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    // Backoff: the second attempt waited about a second after the first.
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(900);
  });
});
