import { JobName, type StatusReport } from '@nextbuy/contracts';
import { BuildRepository } from '@nextbuy/db';
import { createProducerConnection, JobProducer } from '@nextbuy/queue';
import {
  clearRedisPrefix,
  createTestDatabase,
  TEST_REDIS_URL,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { failedBuild, publishedBuild } from '../__fixtures__/builds';
import { withDatabase } from '../database';
import { bufferOutput } from '../output';
import { runStatus } from './status.command';

describe('nextbuy status (real Postgres and Redis)', () => {
  let testDb: TestDatabase;
  let prefix: string;
  let env: { DATABASE_URL: string; REDIS_URL: string; QUEUE_PREFIX: string };
  let superseded: string;
  let published: string;
  let failed: string;
  let inFlight: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    prefix = uniqueQueuePrefix();
    env = { DATABASE_URL: testDb.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix };
    await withDatabase(testDb.url, async (db: DataSource) => {
      superseded = await publishedBuild(db);
      published = await publishedBuild(db);
      failed = await failedBuild(db);
      inFlight = (await new BuildRepository(db).create({ asOf: null, trigger: 'test', config: {} })).id;
    });
    const redis = createProducerConnection(TEST_REDIS_URL);
    const producer = new JobProducer(redis, prefix);
    await producer.add(JobName.Snapshot, { buildId: inFlight }, { jobId: `status-test-${inFlight}` });
    await producer.close();
    await redis.quit();
  });

  afterAll(async () => {
    await testDb.drop();
    await clearRedisPrefix(prefix);
  });

  it('--json prints counts, the active build, builds in flight, queue depths and recent builds', async () => {
    const output = bufferOutput();
    await runStatus(env, output, true);
    const report = JSON.parse(output.stdout.join('\n')) as StatusReport;
    expect(report.counts).toEqual({ customers: 0, products: 0, events: 0 });
    expect(report.active_build).toMatchObject({ build_id: published, status: 'published', active: true });
    expect(report.builds_in_flight?.map((b) => [b.build_id, b.status])).toEqual([[inFlight, 'queued']]);
    expect(report.queues?.features).toMatchObject({ waiting: 1, active: 0 });
    expect(report.queues?.candidates).toMatchObject({ waiting: 0 });
    expect(report.recent_builds?.map((b) => [b.build_id, b.status])).toEqual([
      [inFlight, 'queued'],
      [failed, 'failed'],
      [published, 'published'],
      [superseded, 'superseded'],
    ]);
    expect(report.recent_builds?.find((b) => b.build_id === failed)?.error).toBe('ranker: simulated');
    expect(output.stderr).toEqual([]);
  });

  it('prints one line per part for a person', async () => {
    const output = bufferOutput();
    await runStatus(env, output, false);
    const text = output.stdout.join('\n');
    expect(text).toMatch(/^customers\s+0$/m);
    expect(text).toMatch(new RegExp(`^active build\\s+${published}\\s+published`, 'm'));
    expect(text).toMatch(new RegExp(`^in flight\\s+${inFlight}\\s+queued`, 'm'));
    expect(text).toMatch(/^queues\s+features: 1 waiting, 0 active/m);
    expect(text).toMatch(new RegExp(`^\\s+${failed}\\s+failed .*error: ranker: simulated$`, 'm'));
  });

  it('still prints the Postgres parts, quickly, when Redis is out of reach', async () => {
    const output = bufferOutput();
    const started = Date.now();
    const report = await runStatus({ ...env, REDIS_URL: 'redis://127.0.0.1:1' }, output, true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(report.queues).toBeUndefined();
    expect(report.active_build?.build_id).toBe(published);
    expect(JSON.parse(output.stdout.join('\n'))).not.toHaveProperty('queues');
    expect(output.stderr).toEqual([
      'queues unavailable: Redis at redis://127.0.0.1:1 is not reachable (check REDIS_URL)',
    ]);
    const human = bufferOutput();
    await runStatus({ ...env, REDIS_URL: 'redis://127.0.0.1:1' }, human, false);
    expect(human.stdout.join('\n')).toMatch(/^queues\s+unavailable \(Redis is not reachable\)$/m);
  });
});
