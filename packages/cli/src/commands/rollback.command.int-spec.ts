import Redis from 'ioredis';
import { BUILD_PUBLISHED_CHANNEL } from '@nextbuy/contracts';
import { BuildRepository } from '@nextbuy/db';
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from '@nextbuy/testing';
import { failedBuild, publishedBuild } from '../__fixtures__/builds';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK } from '../errors';
import { bufferOutput } from '../output';
import { runRollback } from './rollback.command';

describe('nextbuy rollback (real Postgres and Redis)', () => {
  let testDb: TestDatabase;
  let subscriber: Redis;
  const messages: string[] = [];
  let env: { DATABASE_URL: string; REDIS_URL: string };
  let first: string;
  let second: string;
  let failed: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = { DATABASE_URL: testDb.url, REDIS_URL: TEST_REDIS_URL };
    await withDatabase(testDb.url, async (db) => {
      first = await publishedBuild(db);
      second = await publishedBuild(db);
      failed = await failedBuild(db);
    });
    subscriber = new Redis(TEST_REDIS_URL);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === BUILD_PUBLISHED_CHANNEL) messages.push(message);
    });
    await subscriber.subscribe(BUILD_PUBLISHED_CHANNEL);
  });

  afterAll(async () => {
    await subscriber.quit();
    await testDb.drop();
  });

  const active = () => withDatabase(testDb.url, async (db) => (await new BuildRepository(db).active())?.id);

  it('re-activates a superseded build and tells the serving apps on the publish channel', async () => {
    const output = bufferOutput();
    const result = await runRollback(env, first, output);
    expect(result).toEqual({ exitCode: EXIT_OK, replaced: second });
    expect(await active()).toBe(first);
    expect(output.stdout).toEqual([
      `build ${first} is the active build again (build ${second} is superseded)`,
    ]);
    const until = Date.now() + 3000;
    while (!messages.includes(first) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    // Other test files may publish their own builds on the shared channel.
    expect(messages).toContain(first);
  });

  it('says so when the build is already active', async () => {
    const output = bufferOutput();
    expect((await runRollback(env, first, output)).exitCode).toBe(EXIT_OK);
    expect(output.stdout).toEqual([`build ${first} is already the active build`]);
  });

  it('exits 1 with a clear message for an unknown build or one that never published', async () => {
    const unknown = bufferOutput();
    expect((await runRollback(env, '999999', unknown)).exitCode).toBe(EXIT_FAILED);
    expect(unknown.stderr).toEqual(['build "999999" does not exist (nextbuy status lists recent builds)']);
    const garbage = bufferOutput();
    expect((await runRollback(env, 'latest', garbage)).exitCode).toBe(EXIT_FAILED);
    expect(garbage.stderr[0]).toMatch(/build "latest" does not exist/);
    const never = bufferOutput();
    expect((await runRollback(env, failed, never)).exitCode).toBe(EXIT_FAILED);
    expect(never.stderr).toEqual([
      `build ${failed} cannot be re-activated: only a superseded build that is still kept can (build ${failed} is failed)`,
    ]);
    expect(await active()).toBe(first);
  });
});
