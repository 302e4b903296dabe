import {
  assignEventIds,
  eventRecordSchema,
  recommendationId,
  type EventRecordInput,
} from '@nextbuy/contracts';
import { createTestDatabase, eventInput, type TestDatabase } from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { EventRepository } from './event.repository';
import { FeedbackRepository, type ServedAnswer } from './feedback.repository';
import { EVENT_STAGING, StagingTable } from './staging-table';

const events = (inputs: EventRecordInput[]) => assignEventIds(inputs.map((i) => eventRecordSchema.parse(i)));
const DAY = 86_400_000;

describe('partitioned events and logs (real Postgres)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let eventsRepo: EventRepository;
  let logs: FeedbackRepository;
  const partitionOf = async (table: string, where: string): Promise<string[]> =>
    (
      await db.query<{ p: string }[]>(
        `SELECT DISTINCT tableoid::regclass::text AS p FROM ${table} WHERE ${where} ORDER BY 1`,
      )
    ).map((r) => r.p);

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 4 }).initialize();
    eventsRepo = new EventRepository(db);
    logs = new FeedbackRepository(db);
  });

  afterAll(async () => {
    await db.destroy();
    await testDb.drop();
  });

  it('stores each event in its month and keeps idempotency by event_id across months', async () => {
    const batch = events([
      eventInput({ event_id: 'p-1', timestamp: '2009-01-15T10:00:00Z' }),
      eventInput({ event_id: 'p-2', timestamp: '2009-02-15T10:00:00Z' }),
    ]);
    expect(await eventsRepo.insertBatch(batch)).toEqual({ inserted: 2, duplicates: 0 });
    expect(await eventsRepo.insertBatch(batch)).toEqual({ inserted: 0, duplicates: 2 });
    // The same id with another time (another month): still the same event.
    const moved = events([eventInput({ event_id: 'p-1', timestamp: '2009-03-15T10:00:00Z' })]);
    expect(await eventsRepo.insertBatch(moved)).toEqual({ inserted: 0, duplicates: 1 });
    expect(await partitionOf('events', `event_id LIKE 'p-%'`)).toEqual([
      'events_y2009m01',
      'events_y2009m02',
    ]);
  });

  it('tells event ids apart byte by byte (event_keys compares in "C"), as the collation did', async () => {
    // Composed and decomposed é, case, punctuation, an emoji: six ids, none the same.
    const ids = ['\u00e9-k', 'e\u0301-k', 'K-k', 'k-k', 'k.k', '😀-k'];
    const batch = events(ids.map((event_id) => eventInput({ event_id, timestamp: '2009-06-15T10:00:00Z' })));
    expect(await eventsRepo.insertBatch(batch)).toEqual({ inserted: 6, duplicates: 0 });
    expect(await eventsRepo.insertBatch(batch)).toEqual({ inserted: 0, duplicates: 6 });
    const [column] = await db.query<{ collation: string }[]>(
      `SELECT collation_name AS collation FROM information_schema.columns
       WHERE table_name = 'event_keys' AND column_name = 'event_id'`,
    );
    expect(column?.collation).toBe('C');
  });

  it('keeps the first of two rows naming one event_id in a batch', async () => {
    const batch = events([
      eventInput({ event_id: 'twin', timestamp: '2009-04-01T10:00:00Z', product_id: 'first' }),
      eventInput({ event_id: 'twin', timestamp: '2009-05-01T10:00:00Z', product_id: 'second' }),
    ]);
    expect(await eventsRepo.insertBatch(batch)).toEqual({ inserted: 1, duplicates: 1 });
    const rows = await db.query(`SELECT product_id FROM events WHERE event_id = 'twin'`);
    expect(rows).toEqual([{ product_id: 'first' }]);
  });

  it('imports through the staging table into partitions made on demand, idempotently', async () => {
    const runner = db.createQueryRunner();
    await runner.connect();
    try {
      const staging = new StagingTable(runner, EVENT_STAGING);
      const stage = async () => {
        await staging.prepare();
        await runner.query(
          `INSERT INTO nb_import_events (event_id, customer_id, product_id, type, ts)
           VALUES ('s-1', 'c', 'p', 'view', '2008-06-03T00:00:00Z'), ('s-2', 'c', 'p', 'view', '2008-07-03T00:00:00Z'),
                  ('s-1', 'c', 'p2', 'view', '2008-06-04T00:00:00Z')`,
        );
        return staging.merge(
          (executor) => EventRepository.mergeFromStaging(executor, EVENT_STAGING.table),
          true,
        );
      };
      expect(await stage()).toEqual({ inserted: 2, duplicates: 1 });
      expect(await stage()).toEqual({ inserted: 0, duplicates: 3 });
    } finally {
      await runner.release();
    }
    expect(await partitionOf('events', `event_id LIKE 's-%'`)).toEqual([
      'events_y2008m06',
      'events_y2008m07',
    ]);
  });

  it('stores an event of a month with no partition in the DEFAULT one, moved out when the month is made', async () => {
    await db.query(
      `INSERT INTO events (event_id, customer_id, product_id, type, ts) VALUES ('d-1', 'c', 'p', 'view', '2007-03-03T00:00:00Z')`,
    );
    await db.query(`INSERT INTO event_keys VALUES ('d-1')`);
    expect(await partitionOf('events', `event_id = 'd-1'`)).toEqual(['events_default']);
    await eventsRepo.ensureMonths(['2007-03']);
    expect(await partitionOf('events', `event_id = 'd-1'`)).toEqual(['events_y2007m03']);
    expect(await db.query(`SELECT count(*)::int AS n FROM events_default`)).toEqual([{ n: 0 }]);
  });

  it('prunes partitions for a snapshot read before as_of', async () => {
    const plan = (
      await db.query<{ 'QUERY PLAN': string }[]>(
        `EXPLAIN SELECT customer_id FROM events WHERE ts < '2009-01-20T00:00:00Z'::timestamptz ORDER BY ts, id`,
      )
    )
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    expect(plan).toContain('events_y2009m01');
    expect(plan).not.toContain('events_y2009m02');
  });

  describe('answer log retention', () => {
    const now = Date.now();
    const answer = (servedAt: number, experimentId: string, variant: string): ServedAnswer => ({
      recommendationId: recommendationId(servedAt),
      servedAt: new Date(servedAt),
      customerId: `c-${servedAt}`,
      buildId: '1',
      experimentId,
      variant,
      productIds: ['A', 'B', 'C'],
      strategies: ['s1', 's2', 's1'],
    });
    const feedbackOf = async (a: ServedAnswer, product: string, types: string[], receivedAt: number) =>
      logs.insertFeedback(
        types.map((type) => ({
          recommendation_id: a.recommendationId,
          customer_id: a.customerId,
          product_id: product,
          type: type as 'click',
          receivedAt: new Date(receivedAt),
        })),
      );

    it('drops days past retention while reports stay correct for the days kept', async () => {
      await logs.ensureDaysAhead(new Date(now - 10 * DAY), 12);
      const kept = [answer(now - DAY, '77', 'a'), answer(now, '77', 'b'), answer(now - 2 * DAY, '77', 'a')];
      await logs.insertServed(kept);
      await feedbackOf(kept[0]!, 'A', ['impression', 'click'], now - DAY + 1000);
      await feedbackOf(kept[1]!, 'C', ['impression', 'click', 'purchase'], now);
      // Feedback received the next day, and re-sent: one row, in its answer's day.
      await feedbackOf(kept[2]!, 'B', ['impression', 'add_to_cart'], now);
      await feedbackOf(kept[2]!, 'B', ['impression', 'add_to_cart'], now + DAY);
      const served = await logs.servedPerVariant('77');
      const report = await logs.funnel('77');

      // Older answers: one in a daily partition, one in the DEFAULT partition (no partition that day).
      const old = [answer(now - 8 * DAY, '77', 'a'), answer(now - 40 * DAY, '77', 'b')];
      await logs.insertServed(old);
      await feedbackOf(old[0]!, 'A', ['impression', 'click', 'purchase'], now - 8 * DAY + 5000);
      await feedbackOf(old[1]!, 'B', ['impression', 'click'], now - 40 * DAY + 5000);
      expect(
        await partitionOf(
          'recommendation_log',
          `experiment_id = 77 AND served_at < now() - interval '30 days'`,
        ),
      ).toEqual(['recommendation_log_default']);
      expect(await logs.funnel('77')).not.toEqual(report);

      const dropped = await logs.dropServedBefore(new Date(now - 5 * DAY));
      expect(dropped).toHaveLength(2 * 5); // days -10 … -6 of both tables
      expect(dropped.every((name) => /^(recommendation_log|feedback)_y\d{4}m\d{2}d\d{2}$/.test(name))).toBe(
        true,
      );
      expect(await logs.servedPerVariant('77')).toEqual(served);
      expect(await logs.funnel('77')).toEqual(report);
      expect(
        await db.query(`SELECT count(*)::int AS n FROM feedback WHERE recommendation_id = $1`, [
          kept[2]!.recommendationId,
        ]),
      ).toEqual([{ n: 2 }]);
      // Idempotent: nothing left to drop.
      expect(await logs.dropServedBefore(new Date(now - 5 * DAY))).toEqual([]);
    });
  });
});
