/**
 * A build in flight whose jobs are gone (Redis restarted without persistence) must not block
 * rebuilds: the next trigger fails it and starts a new one. A build whose jobs are still queued
 * keeps its place.
 */
import { BuildInFlightError, BuildRepository, createDataSource } from '@nextbuy/db';
import { createProducerConnection, JobProducer, whenReady } from '@nextbuy/queue';
import {
  clearRedisPrefix,
  createTestDatabase,
  TEST_REDIS_URL,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@nextbuy/testing';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { LOST_BUILD_GRACE_MS, shardCount, triggerRebuild } from './trigger';

describe('triggerRebuild and builds in flight (real Postgres and Redis)', () => {
  const prefix = uniqueQueuePrefix();
  let testDb: TestDatabase;
  let db: DataSource;
  let redis: Redis;
  let producer: JobProducer;
  let builds: BuildRepository;
  const settings = { shards: 2, staleAfterMinutes: 60 };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 2 }).initialize();
    redis = createProducerConnection(TEST_REDIS_URL);
    await whenReady(redis);
    producer = new JobProducer(redis, prefix);
    builds = new BuildRepository(db);
  });

  afterAll(async () => {
    await producer.close();
    redis.disconnect();
    await clearRedisPrefix(prefix);
    await db.destroy();
    await testDb.drop();
  });

  /** Makes a build look as old as a real one whose jobs had time to run (tests may write SQL). */
  const age = (id: string, ms: number) =>
    db.query(`UPDATE builds SET created_at = now() - make_interval(secs => $2) WHERE id = $1`, [
      id,
      ms / 1000,
    ]);

  it('refuses a second build while the first still has jobs queued', async () => {
    const first = await triggerRebuild(builds, producer, settings, { trigger: 'cli' });
    await age(first.id, LOST_BUILD_GRACE_MS * 2);
    await expect(triggerRebuild(builds, producer, settings, { trigger: 'cli' })).rejects.toBeInstanceOf(
      BuildInFlightError,
    );
    await builds.fail(first.id, 'test over');
  });

  it('fails a build in flight whose jobs Redis lost, and starts the new one', async () => {
    const lost = await triggerRebuild(builds, producer, settings, { trigger: 'cli' });
    await age(lost.id, LOST_BUILD_GRACE_MS * 2);
    await producer.queue('features').obliterate({ force: true });
    const next = await triggerRebuild(builds, producer, settings, { trigger: 'api' });
    expect(next.id).not.toBe(lost.id);
    expect(await builds.get(lost.id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/none of its jobs is left/),
    });
    await builds.fail(next.id, 'test over');
  });

  it('never judges a build lost in its first moments (its first job may be on the way)', async () => {
    const young = await triggerRebuild(builds, producer, settings, { trigger: 'cli' });
    await producer.queue('features').obliterate({ force: true });
    await expect(triggerRebuild(builds, producer, settings, { trigger: 'cli' })).rejects.toBeInstanceOf(
      BuildInFlightError,
    );
    await builds.fail(young.id, 'test over');
  });

  it('applies BUILD_STALE_MINUTES: a build without progress for that long is failed by the next trigger', async () => {
    const stale = await triggerRebuild(builds, producer, settings, { trigger: 'cli' });
    // Its jobs are still queued, but nothing happened for longer than the setting.
    await age(stale.id, 61 * 60_000);
    const next = await triggerRebuild(builds, producer, settings, { trigger: 'cli' });
    expect(next.id).not.toBe(stale.id);
    expect(await builds.get(stale.id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/no progress/),
    });
    await builds.fail(next.id, 'test over');
  });

  it('gives a store with more customers than REBUILD_SHARDS shards hold more shards, never fewer', async () => {
    expect(shardCount(4, 5_772, 100_000)).toBe(4);
    expect(shardCount(4, 1_000_000, 100_000)).toBe(10);
    expect(shardCount(4, 1_000_001, 100_000)).toBe(11);
    expect(shardCount(4, 10 ** 9, 1)).toBe(1024);
    expect(shardCount(2, 10 ** 9)).toBe(2);
    await db.query(`INSERT INTO customers (customer_id) SELECT 'c' || i FROM generate_series(1, 25) i`);
    const build = await triggerRebuild(
      builds,
      producer,
      { ...settings, customersPerShard: 10 },
      { trigger: 'cli' },
    );
    expect(build.config.shards).toBe(3);
    await builds.fail(build.id, 'test over');
  });
});
