import { Worker, type Job } from 'bullmq';
import type Redis from 'ioredis';
import { JobName, QueueName } from '@nextbuy/contracts';
import { clearRedisPrefix, TEST_REDIS_URL, uniqueQueuePrefix } from '@nextbuy/testing';
import { createProducerConnection, createWorkerConnection, JobProducer, whenReady } from '@nextbuy/queue';
import { featuresFlow, rankingFlow } from './shape';

describe('rebuild flows (real Redis)', () => {
  const prefix = uniqueQueuePrefix();
  let producerConn: Redis;
  let producer: JobProducer;
  const workers: Worker[] = [];
  const workerConns: Redis[] = [];

  const work = (queue: QueueName, fn: (job: Job) => Promise<unknown>) => {
    const connection = createWorkerConnection(TEST_REDIS_URL);
    workerConns.push(connection);
    workers.push(new Worker(queue, fn, { connection, prefix, concurrency: 4 }));
  };

  beforeAll(async () => {
    producerConn = createProducerConnection(TEST_REDIS_URL);
    await whenReady(producerConn);
    producer = new JobProducer(producerConn, prefix);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await producer.close();
    producerConn.disconnect();
    workerConns.forEach((c) => c.disconnect());
    await clearRedisPrefix(prefix);
  });

  it('runs the fan-in parent only after every child, and a final child failure fails the parent', async () => {
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      work(QueueName.Features, async (job) => {
        await new Promise((r) => setTimeout(r, job.data.stage === 'slow' ? 150 : 10));
        order.push(`${job.name}:${job.data.stage}`);
      });
      work(QueueName.Candidates, (job) => {
        order.push(`${job.name}:${job.data.buildId}`);
        if (job.name === JobName.RankShard && job.data.shard === 1)
          return Promise.reject(new Error('shard 1 broke'));
        if (job.name === JobName.ItemLists) return Promise.resolve();
        if (job.name === JobName.PlanRanking) resolve();
        return Promise.resolve();
      });
    });
    await producer.addFlow(featuresFlow('7', ['slow', 'fast']));
    await done;
    expect(order).toEqual(['build.feature:fast', 'build.feature:slow', 'build.plan-ranking:7']);

    await producer.addFlow({
      ...rankingFlow('8', 2),
      children: rankingFlow('8', 2).children!.map((c) => ({ ...c })),
    });
    const publish = await producer.queue(QueueName.Candidates).getJob('build-8-publish');
    // Shard 1 fails its three attempts; the parent must end failed, never run.
    for (let i = 0; i < 100 && (await publish!.getState()) !== 'failed'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await publish!.getState()).toBe('failed');
    expect(order).not.toContain('build.publish:8');
  }, 30_000);

  it('runs a stage after the stages it needs, and the critical path first by priority', async () => {
    // Own prefix and one worker at a time, so the order is the queue's, not a race between workers.
    const own = uniqueQueuePrefix();
    const ownProducer = new JobProducer(producerConn, own);
    const connection = createWorkerConnection(TEST_REDIS_URL);
    const order: string[] = [];
    let worker: Worker | undefined;
    try {
      await ownProducer.addFlow(
        featuresFlow('9', [
          {
            stage: 'fit',
            priority: 1,
            needs: [
              { stage: 'w1', priority: 1 },
              { stage: 'w2', priority: 1 },
            ],
          },
          { stage: 'other', priority: 2 },
        ]),
      );
      await new Promise<void>((resolve) => {
        worker = new Worker(
          QueueName.Features,
          (job: Job<{ stage: string }>) => {
            order.push(job.data.stage);
            return Promise.resolve();
          },
          { connection, prefix: own, concurrency: 1 },
        );
        const candidatesConnection = createWorkerConnection(TEST_REDIS_URL);
        workerConns.push(candidatesConnection);
        const candidates = new Worker(
          QueueName.Candidates,
          () => {
            resolve();
            return Promise.resolve();
          },
          { connection: candidatesConnection, prefix: own },
        );
        workers.push(candidates);
      });
      // The fit becomes ready after both windows and, prioritised, runs before the stage that can wait.
      expect(order).toEqual(['w1', 'w2', 'fit', 'other']);
    } finally {
      await worker?.close();
      await ownProducer.close();
      connection.disconnect();
      await clearRedisPrefix(own);
    }
  });

  it('rejects a payload that does not match its job name before it reaches Redis', async () => {
    await expect(
      producer.add(JobName.RankShard, { buildId: 'x' } as never, { jobId: 'bad' }),
    ).rejects.toThrow(/buildId/);
  });
});
