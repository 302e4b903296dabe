/**
 * The backtest must not peek: whatever is stored at or after as-of (non-purchase events in the
 * horizon, events at as-of itself, purchases after the horizon, new customers and products) leaves
 * the engine's lists — and, but for the horizon's own purchases, the report — unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventRecord } from '@nextbuy/contracts';
import {
  CatalogRepository,
  createDataSource,
  EvaluationRepository,
  EventRepository,
  rowsOf,
} from '@nextbuy/db';
import { buildAll, rankShard, resolveConfig, type BacktestReport } from '@nextbuy/engine';
import { importFile } from '@nextbuy/importer';
import {
  createTestDatabase,
  writeSyntheticRetail,
  type SyntheticFiles,
  type TestDatabase,
} from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { assignEventIds } from '@nextbuy/contracts';
import {
  loadEvaluationSnapshot,
  NoHorizonPurchasesError,
  runEvaluation,
  runQueuedEvaluation,
} from './evaluation';
import { readSnapshot } from './snapshot-reader';

jest.setTimeout(60_000);

const AS_OF = new Date('2011-11-01T00:00:00Z');
const HORIZON_DAYS = 20;
const HORIZON_END = new Date(AS_OF.getTime() + HORIZON_DAYS * 86_400_000);
const K = 6;
const ENGINE = { ranker: { trees: 10 } };
const at = (base: Date, hours: number) => new Date(base.getTime() + hours * 3_600_000);

/** Everything but wall times: the part of a report that must be reproducible. */
const scores = (r: BacktestReport) => ({ ...r, engine_ms: 0, timings: {} });

describe('runEvaluation (real Postgres)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let dir: string;
  let fixture: SyntheticFiles;
  let first: { evaluationId: string; report: BacktestReport };

  /** The engine's top-K list of every customer, by ids, trained on what loadSnapshot gives. */
  const engineLists = async (): Promise<Map<string, string[]>> => {
    const s = await loadEvaluationSnapshot(db, AS_OF);
    const config = resolveConfig({ ...ENGINE, horizonDays: HORIZON_DAYS });
    const built = buildAll(s, config);
    const customers = Int32Array.from(new Set(s.events.customer));
    const ranked = rankShard(s, built.artifacts, built.model, customers, config, { limit: K });
    return new Map(ranked.map((r) => [r.customerId, r.items.map((i) => s.products.ids[i.product]!)]));
  };

  const insert = (events: EventRecord[]) => new EventRepository(db).insertBatch(assignEventIds(events));

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 3 }).initialize();
    dir = mkdtempSync(join(tmpdir(), 'nextbuy-eval-'));
    fixture = writeSyntheticRetail(dir);
    for (const [kind, file] of [
      ['products', fixture.products],
      ['customers', fixture.customers],
      ['events', fixture.events],
    ] as const) {
      expect((await importFile(db, { kind, file })).rejected).toBe(0);
    }
    first = await runEvaluation(db, { asOf: AS_OF, horizonDays: HORIZON_DAYS, k: K, engine: ENGINE });
  });

  afterAll(async () => {
    await db?.destroy();
    await testDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores the engine, the baselines and every strategy, and stores the report', async () => {
    const { report } = first;
    expect(report.customers).toBeGreaterThan(10);
    expect(report.rows[0]!.method).toMatch(/^engine/);
    expect(report.rows.map((r) => r.method)).toEqual(
      expect.arrayContaining(['popularity, last 30 days', 'strategy alone: repurchase']),
    );
    const [{ n }] = rowsOf<{ n: number }>(
      await db.query(
        `SELECT count(DISTINCT customer_id)::int AS n FROM events WHERE type = 'purchase' AND ts >= $1 AND ts < $2`,
        [AS_OF, HORIZON_END],
      ),
    ) as [{ n: number }];
    expect(report.customers).toBe(n);
    const stored = await new EvaluationRepository(db).get(first.evaluationId);
    expect(stored).toMatchObject({ status: 'done', horizon_days: HORIZON_DAYS, k: K, error: null });
    expect(stored!.report).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('is identical with later events present, and the snapshot holds nothing at or after as-of', async () => {
    const before = await engineLists();
    const [c0, c1] = fixture.customerIds as [string, string];
    await insert([
      // At as-of itself: strictly-before means it is not seen.
      { customer_id: c0, product_id: 'P001', type: 'view', timestamp: AS_OF },
      { customer_id: c0, product_id: 'P001', type: 'cart_add', timestamp: AS_OF, quantity: 3 },
      // Inside the horizon, anything but purchases (those are the outcome being scored).
      { customer_id: c1, product_id: 'P002', type: 'view', timestamp: at(AS_OF, 5) },
      { customer_id: c1, product_id: 'P003', type: 'click', timestamp: at(AS_OF, 6) },
      { customer_id: c1, product_id: 'P003', type: 'return', timestamp: at(AS_OF, 7), quantity: 1 },
      { customer_id: 'later-visitor', product_id: 'P004', type: 'view', timestamp: at(AS_OF, 8) },
      // After the horizon: purchases too.
      {
        customer_id: c0,
        product_id: 'P005',
        type: 'purchase',
        timestamp: at(HORIZON_END, 1),
        order_id: 'late-1',
      },
      { customer_id: c1, product_id: 'P006', type: 'purchase', timestamp: HORIZON_END, order_id: 'late-2' },
    ]);
    const snapshot = await readSnapshot(
      { events: new EventRepository(db), catalog: new CatalogRepository(db) },
      AS_OF,
      false,
    );
    expect(snapshot.events.ts.every((t) => t < AS_OF.getTime())).toBe(true);
    const [{ n }] = rowsOf<{ n: number }>(
      await db.query(`SELECT count(*)::int AS n FROM events WHERE ts < $1`, [AS_OF]),
    ) as [{ n: number }];
    expect(snapshot.events.ts.length).toBe(n);

    expect(await engineLists()).toEqual(before);
    const again = await runEvaluation(db, { asOf: AS_OF, horizonDays: HORIZON_DAYS, k: K, engine: ENGINE });
    expect(again.evaluationId).not.toBe(first.evaluationId);
    expect(scores(again.report)).toEqual(scores(first.report));
  });

  it('keeps the lists when the horizon gains purchases by new customers of new products', async () => {
    const before = await engineLists();
    await insert([
      {
        customer_id: 'newcomer',
        product_id: 'NEW-1',
        type: 'purchase',
        timestamp: at(AS_OF, 30),
        order_id: 'n-1',
      },
      {
        customer_id: fixture.customerIds[2]!,
        product_id: 'NEW-1',
        type: 'purchase',
        timestamp: at(AS_OF, 31),
        order_id: 'n-2',
      },
    ]);
    expect(await engineLists()).toEqual(before);
    const after = await runEvaluation(db, { asOf: AS_OF, horizonDays: HORIZON_DAYS, k: K, engine: ENGINE });
    // Only the outcome moved: one more customer to score, nobody could have predicted NEW-1.
    expect(after.report.customers).toBe(first.report.customers + 1);
    expect(after.report.new_customers).toBe(first.report.new_customers + 1);
    expect(after.report.training_events).toBe(first.report.training_events);
    expect(after.report.catalog).toBe(first.report.catalog);
  });

  it('refuses a horizon without purchases and records the failure', async () => {
    const empty = { asOf: new Date('2012-06-01T00:00:00Z'), horizonDays: 10, k: 5, engine: ENGINE };
    await expect(runEvaluation(db, empty)).rejects.toThrow(NoHorizonPurchasesError);
    const [latest] = await new EvaluationRepository(db).list(1);
    expect(latest).toMatchObject({ status: 'failed', error: expect.stringMatching(/no purchases between/) });
  });

  it('fills a queued evaluation (the job) and ignores one already finished', async () => {
    const repo = new EvaluationRepository(db);
    const row = await repo.create({ asOf: AS_OF, horizonDays: HORIZON_DAYS, k: K });
    expect(row.status).toBe('queued');
    await runQueuedEvaluation(db, row.id, ENGINE);
    const done = await repo.get(row.id);
    expect(done).toMatchObject({ status: 'done' });
    expect(done!.report!.customers).toBeGreaterThan(0);
    await runQueuedEvaluation(db, row.id, ENGINE);
    expect((await repo.get(row.id))!.finished_at).toEqual(done!.finished_at);
    await expect(runQueuedEvaluation(db, '999999', ENGINE)).rejects.toThrow(/does not exist/);
  });
});
