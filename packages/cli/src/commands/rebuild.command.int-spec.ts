import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parseEnv, type Env } from '@nextbuy/config';
import { BuildRepository, createDataSource } from '@nextbuy/db';
import { importFile } from '@nextbuy/importer';
import { createHttpApp } from '@nextbuy/server';
import {
  clearRedisPrefix,
  createTestDatabase,
  TEST_REDIS_URL,
  uniqueQueuePrefix,
  writeSyntheticRetail,
  type TestDatabase,
} from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { bufferOutput } from '../output';
import { runRebuild, START_WORKERS_HINT } from './rebuild.command';

jest.setTimeout(120_000);

/** The worker apps, booted in this process like test/e2e does (loaded by path: outside this package). */
const APPS = join(__dirname, '../../../../apps');
type AppModule = { forRoot(env: Env): Parameters<typeof createHttpApp>[0] };
const loadApp = async (name: string): Promise<AppModule> =>
  ((await import(join(APPS, name, 'src/app.module'))) as { AppModule: AppModule }).AppModule;

const FAST = { pollMs: 100, stallMs: 10_000 };

describe('nextbuy rebuild (real Postgres, Redis and worker apps)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let env: Env;
  let dir: string;
  const apps: NestFastifyApplication[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = parseEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: testDb.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: uniqueQueuePrefix(),
      REBUILD_SHARDS: '2',
    });
    db = await createDataSource({ url: testDb.url, poolSize: 2 }).initialize();
    dir = mkdtempSync(join(tmpdir(), 'nb-rebuild-'));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await db?.destroy();
    await testDb?.drop();
    await clearRedisPrefix(env.QUEUE_PREFIX);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad --as-of before touching anything', async () => {
    await expect(runRebuild(env, { asOf: '2011-13-45' }, bufferOutput())).rejects.toThrow(
      new FatalError('--as-of must be an ISO 8601 date-time such as 2011-11-09T00:00:00Z (got "2011-13-45")'),
    );
    expect(await new BuildRepository(db).list()).toEqual([]);
  });

  it('refuses while a build is in flight, naming it', async () => {
    const builds = new BuildRepository(db);
    const running = await builds.create({ asOf: null, trigger: 'api', config: {} });
    const output = bufferOutput();
    const result = await runRebuild(env, { wait: true }, output, FAST);
    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(output.stderr).toEqual([
      `build ${running.id} is already in flight; wait for it to finish (nextbuy status) before starting another`,
    ]);
    await builds.fail(running.id, 'test: cleared');
  });

  it('says when no worker listens, and when nothing picks the build up', async () => {
    const output = bufferOutput();
    const result = await runRebuild(env, { wait: true }, output, {
      pollMs: 50,
      stallMs: 300,
      deadlineMs: 1500,
    });
    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(output.stdout[0]).toBe(`build ${result.build!.build_id} queued`);
    expect(output.stderr).toEqual([
      `no worker is listening on the features and candidates queue(s): ${START_WORKERS_HINT}`,
      expect.stringMatching(
        new RegExp(
          `^nothing has picked up build ${result.build!.build_id} after 0 s \\(features: 1 waiting, 0 active, .*\\): ${START_WORKERS_HINT}$`,
        ),
      ),
      expect.stringMatching(/^stopped waiting after 1\.\d s: build \d+ is still queued$/),
    ]);
    await new BuildRepository(db).fail(result.build!.build_id, 'test: cleared');
  });

  it('--wait exits 1 with the build’s error when it fails', async () => {
    for (const name of ['features', 'candidates']) {
      const module = await loadApp(name);
      apps.push(await createHttpApp(module.forRoot(env), { env }));
    }
    // No events yet: the snapshot stage refuses to build.
    const output = bufferOutput();
    const result = await runRebuild(env, { wait: true }, output, FAST);
    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(output.stderr).toContain(
      `build ${result.build!.build_id} failed: snapshot: there are no events to build from: import some first`,
    );
    expect(output.stderr.join('\n')).not.toMatch(/no worker is listening/);
  });

  it('--wait follows a build through the worker apps until it publishes', async () => {
    const fixture = writeSyntheticRetail(dir);
    for (const kind of ['products', 'customers', 'events'] as const) {
      expect((await importFile(db, { kind, file: fixture[kind] })).rejected).toBe(0);
    }
    const output = bufferOutput();
    const result = await runRebuild(env, { wait: true, asOf: '2011-11-30T00:00:00Z' }, output, FAST);
    expect(result.exitCode).toBe(EXIT_OK);
    const id = result.build!.build_id;
    expect(result.build).toMatchObject({
      status: 'published',
      trigger: 'cli',
      as_of: '2011-11-30T00:00:00.000Z',
    });
    expect(result.build!.config).toMatchObject({ shards: 2 });
    expect((await new BuildRepository(db).active())?.id).toBe(id);
    // One plain line per stage change (not a terminal), then wall time per stage and the total.
    expect(output.stderr).toContainEqual(expect.stringMatching(/^snapshot: done in \d+\.\d s$/));
    expect(output.stderr).toContainEqual(expect.stringMatching(/^rank-1: done in \d+\.\d s$/));
    expect(output.stdout[0]).toBe(`build ${id} queued (as of 2011-11-30T00:00:00.000Z)`);
    expect(output.stdout).toContain(`build ${id} published`);
    for (const stage of ['snapshot', 'ranker', 'rank-0', 'rank-1', 'item-lists', 'rank'])
      expect(output.stdout).toContainEqual(
        expect.stringMatching(new RegExp(`^  ${stage}\\s+\\d+\\.\\d s  done$`)),
      );
    expect(output.stdout.at(-1)).toMatch(/^ {2}total\s+\d+\.\d s$/);
  });
});
