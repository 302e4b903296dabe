/**
 * Postgres stopped during ingestion and serving, on a cluster of the suite's own (the machine's
 * Postgres is never stopped: other tests run beside this one). Events posted meanwhile get no 202
 * (or are stored), serving keeps answering from the previous build, and once Postgres is back every
 * app carries on by itself: a new rebuild publishes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource, migrate } from '@nextbuy/db';
import { importFile } from '@nextbuy/importer';
import { writeSyntheticRetail, type SyntheticFiles } from '@nextbuy/testing';
import { PrivatePostgres, RedisServer, sleep } from './processes';
import { FaultStack } from './stack';

/** The outage was 13 s; CI stops Postgres for less (the bench measures longer ones). */
const OUTAGE_MS = Number(process.env.FAULTS_OUTAGE_MS ?? 6000);
const BUILD_MS = 60_000;
const TIMINGS = { WORKER_LOCK_MS: '2000', WORKER_STALLED_CHECK_MS: '1000' };

jest.setTimeout(120_000);

describe('Postgres stopped during ingestion and serving (a cluster of the suite’s own)', () => {
  let pg: PrivatePostgres;
  let redis: RedisServer;
  let stack: FaultStack;
  let dir: string;
  let fixture: SyntheticFiles;
  let url: string;

  beforeAll(async () => {
    pg = await PrivatePostgres.create();
    url = pg.url('nextbuy');
    await migrate(url);
    dir = mkdtempSync(join(tmpdir(), 'nextbuy-faults-pg-data-'));
    fixture = writeSyntheticRetail(dir);
    const db = await createDataSource({ url, poolSize: 2 }).initialize();
    for (const kind of ['products', 'customers', 'events'] as const)
      await importFile(db, { kind, file: fixture[kind] });
    await db.destroy();
    redis = await RedisServer.start(false);
    stack = new FaultStack({ databaseUrl: url, redis, env: TIMINGS });
    await stack.start();
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.dispose();
    pg?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps serving the previous build, acknowledges no lost event and recovers by itself', async () => {
    const first = await stack.trigger();
    expect((await stack.waitForBuild(first, ['published', 'failed'], BUILD_MS)).status).toBe('published');
    const customer = fixture.customerIds[0]!;
    expect((await stack.recommend(customer)).body.build_id).toBe(first);

    const statuses: number[] = [];
    const { wrong } = await stack.watch(customer, 'P001', [first], async () => {
      await sleep(500);
      await pg.stop();
      const until = Date.now() + OUTAGE_MS;
      while (Date.now() < until) {
        statuses.push(await stack.postEvents(customer, 'P002', 3));
        await sleep(250);
      }
      await pg.start();
      await sleep(500);
    });
    expect(wrong).toEqual([]);
    // Ingestion said so while Postgres was away: no 202 for events it could not store.
    expect(statuses.filter((s) => s !== 202).length).toBeGreaterThan(0);

    const db = await createDataSource({ url, poolSize: 1 }).initialize();
    try {
      const [{ n }] = await db.query<[{ n: number }]>(
        'SELECT count(*)::int AS n FROM events WHERE event_id = ANY($1::text[])',
        [stack.acknowledged],
      );
      expect(n).toBe(stack.acknowledged.length);
    } finally {
      await db.destroy();
    }

    const next = await stack.trigger();
    expect(await stack.waitForBuild(next, ['published', 'failed'], BUILD_MS)).toMatchObject({
      status: 'published',
      error: null,
    });
    // Serving follows a publish through pub/sub (and its poll): give it a moment to move.
    const deadline = Date.now() + 10_000;
    let served = (await stack.recommend(customer)).body.build_id;
    while (served !== next && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      served = (await stack.recommend(customer)).body.build_id;
    }
    expect(served).toBe(next);
  });
});
