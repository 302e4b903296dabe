/**
 * A job that BullMQ fails without running its handler — a stage whose worker died more often than
 * the stall limit allows — still gets its final-failure handling (the build is failed, not left
 * `running` for ever).
 */
import { Worker, type Job } from 'bullmq';
import type Redis from 'ioredis';
import { JobName, QueueName } from '@nextbuy/contracts';
import { createProducerConnection, JobProducer, whenReady } from '@nextbuy/queue';
import { clearRedisPrefix, TEST_REDIS_URL, uniqueQueuePrefix } from '@nextbuy/testing';
import { JobDispatcher } from './job-dispatcher';
import { redisOptionsFromUrl } from './redis-options';

describe('JobDispatcher and jobs BullMQ fails on its own (real Redis)', () => {
  const prefix = uniqueQueuePrefix();
  let redis: Redis;
  let producer: JobProducer;
  const workers: Worker[] = [];

  beforeAll(async () => {
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

  it('runs the final-failure handler for a job failed for stalling too often', async () => {
    const finalFailures: { jobId: string | undefined; message: string }[] = [];
    let handlerCalls = 0;
    const dispatcher = new JobDispatcher(
      QueueName.Candidates,
      {
        [JobName.PlanRanking]: () => Promise.resolve(),
        [JobName.RankShard]: () => {
          handlerCalls++;
          return new Promise<void>(() => undefined);
        },
        [JobName.ItemLists]: () => Promise.resolve(),
        [JobName.Publish]: () => Promise.resolve(),
      },
      (job, error) => {
        finalFailures.push({ jobId: job.id, message: error.message });
        return Promise.resolve();
      },
    );
    const timings = { lockDuration: 500, stalledInterval: 300, maxStalledCount: 0 };
    // A worker takes the job, then dies: its lock is never renewed.
    const doomed = new Worker(QueueName.Candidates, (job: Job) => dispatcher.dispatch(job), {
      connection: redisOptionsFromUrl(TEST_REDIS_URL),
      prefix,
      ...timings,
    });
    workers.push(doomed);
    await producer.add(JobName.RankShard, { buildId: '1', shard: 0, shards: 1 }, { jobId: 'shard-0' });
    while (handlerCalls === 0) await new Promise((r) => setTimeout(r, 20));
    await doomed.close(true);
    // Another worker finds it stalled, past the limit: BullMQ fails it without calling a handler.
    const survivor = new Worker(QueueName.Candidates, (job: Job) => dispatcher.dispatch(job), {
      connection: redisOptionsFromUrl(TEST_REDIS_URL),
      prefix,
      ...timings,
    });
    workers.push(survivor);
    survivor.on('failed', (job, error) => void dispatcher.failed(job, error));
    const until = Date.now() + 15_000;
    while (finalFailures.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(finalFailures).toEqual([{ jobId: 'shard-0', message: 'job stalled more than allowable limit' }]);
    expect(handlerCalls).toBe(1);
  });
});
