/**
 * The fault suite (issue #15): the built apps as separate processes, the machine's Postgres (a
 * database of the file's own) and a Redis the suite starts on its own port. Every case asserts that
 * no event acknowledged with a 202 is lost, the previous build answers throughout, the system
 * recovers with no manual step and a new rebuild publishes. What each case does: README.md here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource } from '@nextbuy/db';
import { importFile } from '@nextbuy/importer';
import { LOST_BUILD_GRACE_MS } from '@nextbuy/rebuild';
import {
  createTestDatabase,
  writeSyntheticRetail,
  type SyntheticFiles,
  type TestDatabase,
} from '@nextbuy/testing';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { RedisServer, sleep, type AppProcess } from './processes';
import { FaultStack, waitForRestart } from './stack';

/**
 * Lock and stall check of the test processes: the synthetic store's stages block their event loop
 * for milliseconds, so a 2 s lock renewed every 200 ms keeps the production ratio (a block may take
 * nine tenths of the lock) while a lost job comes back in ~3 s instead of ~25 s.
 */
const TIMINGS = { WORKER_LOCK_MS: '2000', WORKER_STALLED_CHECK_MS: '1000' };
/** Longest a stage may take to run again after its worker was killed, at the timings above. */
const RESTART_MS = 15_000;
const BUILD_MS = 60_000;

jest.setTimeout(120_000);

describe('fault suite (real processes, Postgres and a Redis of its own)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let dir: string;
  let fixture: SyntheticFiles;
  let redis: RedisServer;
  let stack: FaultStack;
  /** The build serving now: every answer during a fault must come from it (or the build published by the case). */
  let serving: string;
  const restarts: Record<string, number> = {};

  const customer = () => fixture.customerIds[0]!;
  const product = 'P001';

  /** Holds writes to `table` (reads go on): the stage writing to it waits mid-stage, its job active. */
  async function holdWrites(table: string): Promise<() => Promise<void>> {
    const client = new Client({ connectionString: testDb.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await client.query('ROLLBACK');
      await client.end();
    };
  }

  async function expectNothingLost(): Promise<void> {
    const [{ n }] = await db.query<[{ n: number }]>(
      'SELECT count(*)::int AS n FROM events WHERE event_id = ANY($1::text[])',
      [stack.acknowledged],
    );
    expect(n).toBe(stack.acknowledged.length);
  }

  /** A new rebuild starts and publishes; it serves from then on. */
  async function expectNewRebuildPublishes(): Promise<void> {
    const id = await stack.trigger();
    const { result: build, wrong } = await stack.watch(customer(), product, [serving, id], () =>
      stack.waitForBuild(id, ['published', 'failed'], BUILD_MS),
    );
    expect(build.error).toBeNull();
    expect(wrong).toEqual([]);
    serving = id;
    expect((await stack.recommend(customer())).body.build_id).toBe(id);
  }

  /** The process running `stage` of build `id` (one of `among`). */
  async function running(id: string, stage: string, among: AppProcess[]): Promise<AppProcess> {
    const victim = await stack.waitForStage(id, stage, among, RESTART_MS);
    if (!victim) throw new Error(`build ${id} ended before ${stage} ran`);
    return victim;
  }

  /**
   * Kills the process running `stage` of build `id`, restarts it, and returns the milliseconds from
   * the kill to the stage's next start.
   */
  async function killDuringStage(id: string, stage: string, among: AppProcess[]): Promise<number> {
    const victim = await running(id, stage, among);
    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    await victim.start();
    return waitForRestart(stack, id, stage, killedAt, RESTART_MS);
  }

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 2 }).initialize();
    dir = mkdtempSync(join(tmpdir(), 'nextbuy-faults-'));
    fixture = writeSyntheticRetail(dir);
    for (const kind of ['products', 'customers', 'events'] as const)
      await importFile(db, { kind, file: fixture[kind] });
    redis = await RedisServer.start(true);
    stack = new FaultStack({ databaseUrl: testDb.url, redis, env: { ...TIMINGS, REBUILD_SHARDS: '1' } });
    await stack.start();
    const first = await stack.trigger();
    expect((await stack.waitForBuild(first, ['published', 'failed'], BUILD_MS)).status).toBe('published');
    serving = first;
  });

  afterAll(async () => {
    console.log(`kill to the stage's next start (lock 2 s, stall check 1 s): ${JSON.stringify(restarts)}`);
    await stack?.stop();
    await redis?.dispose();
    await db?.destroy();
    await testDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await expectNothingLost();
    await expectNewRebuildPublishes();
  });

  it.each([
    ['snapshot', 'build_artifacts', () => stack.features],
    ['rank-0', 'recommendations', () => stack.candidates],
  ])(
    'SIGKILL during %s, once: the stage runs again and the same build publishes',
    async (stage, table, among) => {
      const release = await holdWrites(table);
      try {
        const id = await stack.trigger();
        const { result, wrong } = await stack.watch(customer(), product, [serving, id], async () => {
          restarts[stage] = await killDuringStage(id, stage, among());
          await release();
          return stack.waitForBuild(id, ['published', 'failed'], BUILD_MS);
        });
        expect(result).toMatchObject({ status: 'published', error: null });
        expect(wrong).toEqual([]);
        serving = id;
      } finally {
        await release();
      }
    },
  );

  it('SIGKILL during snapshot, twice: the build fails on its own and frees the next rebuild', async () => {
    const release = await holdWrites('build_artifacts');
    try {
      const id = await stack.trigger();
      const { result, wrong } = await stack.watch(customer(), product, [serving], async () => {
        await killDuringStage(id, 'snapshot', stack.features);
        // The second time the job has stalled once too often: BullMQ fails it at the next check.
        const victim = await running(id, 'snapshot', stack.features);
        await victim.stop('SIGKILL');
        await victim.start();
        return stack.waitForBuild(id, ['published', 'failed'], BUILD_MS);
      });
      expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/stalled/) });
      expect(wrong).toEqual([]);
    } finally {
      await release();
    }
  });

  it('SIGTERM while working: the stage finishes before the process exits, the build publishes', async () => {
    const release = await holdWrites('build_artifacts');
    try {
      const id = await stack.trigger();
      const { result, wrong } = await stack.watch(customer(), product, [serving, id], async () => {
        const victim = await running(id, 'snapshot', stack.features);
        const pid = victim.pid;
        const stopped = victim.stop('SIGTERM');
        await sleep(500);
        await release();
        await stopped;
        // Closed gracefully: Nest re-raises the signal once the app has closed (a crash would be a code).
        expect(victim.lastExit).toBe('SIGTERM');
        const snapshot = (await stack.build(id)).stages.snapshot;
        expect(snapshot).toMatchObject({ status: 'done' });
        expect(snapshot?.worker?.endsWith(`:${pid}`)).toBe(true);
        await victim.start();
        return stack.waitForBuild(id, ['published', 'failed'], BUILD_MS);
      });
      expect(result).toMatchObject({ status: 'published', error: null });
      expect(wrong).toEqual([]);
      serving = id;
    } finally {
      await release();
    }
  });

  it('Redis restarted with persistence mid-rebuild: the same build publishes', async () => {
    const release = await holdWrites('build_artifacts');
    try {
      const id = await stack.trigger();
      const { result, wrong } = await stack.watch(customer(), product, [serving, id], async () => {
        await running(id, 'snapshot', stack.features);
        await redis.kill();
        await sleep(1000);
        await redis.start(true);
        await release();
        return stack.waitForBuild(id, ['published', 'failed'], BUILD_MS);
      });
      expect(result).toMatchObject({ status: 'published', error: null });
      expect(wrong).toEqual([]);
      serving = id;
    } finally {
      await release();
    }
  });

  it('Redis restarted without persistence mid-rebuild: the build ends or the next trigger fails it', async () => {
    const release = await holdWrites('build_artifacts');
    try {
      const id = await stack.trigger();
      const { result, wrong } = await stack.watch(customer(), product, [serving, id], async () => {
        await running(id, 'snapshot', stack.features);
        await redis.kill();
        await sleep(1000);
        await redis.start(false);
        await release();
        // The snapshot's process still finishes its work and enqueues what follows into the empty
        // Redis, or the build is left with no job: then the first trigger after the grace fails it.
        return stack.waitForBuild(id, ['published', 'failed'], LOST_BUILD_GRACE_MS).catch(async () => {
          await sleep(LOST_BUILD_GRACE_MS);
          return stack.build(id);
        });
      });
      if (result.status === 'published') serving = id;
      expect(wrong).toEqual([]);
    } finally {
      await release();
    }
  });
});
