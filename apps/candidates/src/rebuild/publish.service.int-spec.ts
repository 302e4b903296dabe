/**
 * Events stored while a build runs (after its snapshot read the events table) are neither in the
 * new build nor in its lists: the publish asks for those customers' real-time refreshes.
 */
import { eventRecordSchema, JobName, QueueName, assignEventIds } from '@nextbuy/contracts';
import type { Env } from '@nextbuy/config';
import { BuildOutputRepository, BuildRepository, createDataSource, EventRepository } from '@nextbuy/db';
import { createProducerConnection, JobProducer, whenReady } from '@nextbuy/queue';
import {
  clearRedisPrefix,
  createTestDatabase,
  eventInput,
  TEST_REDIS_URL,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@nextbuy/testing';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { BuildArtifactCache, StageRunner } from '@nextbuy/rebuild';
import { PublishService } from './publish.service';

describe('PublishService (real Postgres and Redis)', () => {
  const prefix = uniqueQueuePrefix();
  let testDb: TestDatabase;
  let db: DataSource;
  let redis: Redis;
  let producer: JobProducer;

  const insert = (customers: string[]) =>
    new EventRepository(db).insertBatch(
      assignEventIds(customers.map((customer_id) => eventRecordSchema.parse(eventInput({ customer_id })))),
    );
  const refreshesAsked = async () => {
    const jobs = await producer.queue(QueueName.Realtime).getJobs(['delayed', 'waiting', 'prioritized']);
    return jobs
      .filter((j) => j.name === JobName.RefreshCustomer)
      .map((j) => (j.data as { customerId: string }).customerId)
      .sort();
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = createDataSource({ url: testDb.url });
    await db.initialize();
    redis = createProducerConnection(TEST_REDIS_URL);
    await whenReady(redis);
    producer = new JobProducer(redis, prefix);
  });

  afterAll(async () => {
    await producer.close();
    redis.disconnect();
    await clearRedisPrefix(prefix);
    await db.destroy();
    await testDb.drop();
  });

  const publishWithEventsDuringTheBuild = async (late: string[], catchUpMaxCustomers: number) => {
    const builds = new BuildRepository(db);
    const outputs = new BuildOutputRepository(db);
    const events = new EventRepository(db);
    const env = { BUILDS_KEEP: 3, REALTIME_IMPORT_MAX_CUSTOMERS: catchUpMaxCustomers } as Env;
    const publish = new PublishService(
      new StageRunner(builds),
      new BuildArtifactCache(outputs),
      builds,
      outputs,
      events,
      producer,
      redis,
      env,
    );
    const build = await builds.create({ asOf: null, trigger: 'test', config: { shards: 1 } });
    // What the snapshot stage records: the build runs, and the newest event it read.
    await builds.markRunning(build.id, new Date());
    await builds.addCounts(build.id, { last_event_id: await events.newestId() });
    await insert(late);
    await publish.publish(build.id);
    return build.id;
  };

  it('asks for refreshes of the customers whose events arrived after the snapshot', async () => {
    await insert(['early-1', 'early-2']);
    await publishWithEventsDuringTheBuild(['late-1', 'late-2', 'late-1'], 1000);
    expect(await refreshesAsked()).toEqual(['late-1', 'late-2']);
  });

  it('leaves a large catch-up to the next rebuild', async () => {
    await producer.queue(QueueName.Realtime).obliterate({ force: true });
    await publishWithEventsDuringTheBuild(['late-3', 'late-4', 'late-5'], 2);
    expect(await refreshesAsked()).toEqual([]);
  });
});
