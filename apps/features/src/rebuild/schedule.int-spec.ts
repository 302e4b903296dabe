import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parseEnv } from '@nextbuy/config';
import { createDataSource, BuildRepository } from '@nextbuy/db';
import { createHttpApp } from '@nextbuy/server';
import {
  clearRedisPrefix,
  createTestDatabase,
  TEST_REDIS_URL,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { AppModule } from '../app.module';

describe('scheduled rebuilds (real Postgres and Redis)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let app: NestFastifyApplication;
  const prefix = uniqueQueuePrefix();

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 2 }).initialize();
    // Every second (cron with seconds), so the test sees a tick quickly.
    const env = parseEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: testDb.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      REBUILD_SCHEDULE: '* * * * * *',
    });
    app = await createHttpApp(AppModule.forRoot(env), { env });
  });

  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    await testDb?.drop();
    await clearRedisPrefix(prefix);
  });

  it('starts a rebuild on each tick, and skips ticks while one is in flight', async () => {
    const builds = new BuildRepository(db);
    const until = Date.now() + 15_000;
    while ((await builds.list()).length === 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    const [first] = await builds.list();
    expect(first).toMatchObject({ trigger: 'schedule' });
    // Without events the snapshot stage fails the build; more ticks pass meanwhile, never two in flight.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await builds.inFlight()).length).toBeLessThanOrEqual(1);
    const all = await builds.list(100);
    expect(all.every((b) => b.trigger === 'schedule')).toBe(true);
  });
});
