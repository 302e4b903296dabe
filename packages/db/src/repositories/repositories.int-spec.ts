import {
  assignEventIds,
  customerRecordSchema,
  eventRecordSchema,
  productRecordSchema,
  type EventRecordInput,
} from '@nextbuy/contracts';
import {
  createTestDatabase,
  customerInput,
  eventInput,
  productInput,
  type TestDatabase,
} from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { CatalogRepository } from './catalog.repository';
import { EventRepository } from './event.repository';
import { StatsRepository } from './stats.repository';

const events = (inputs: EventRecordInput[]) => assignEventIds(inputs.map((i) => eventRecordSchema.parse(i)));

describe('repositories (real Postgres)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let eventsRepo: EventRepository;
  let catalog: CatalogRepository;
  let stats: StatsRepository;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 4 }).initialize();
    eventsRepo = new EventRepository(db);
    catalog = new CatalogRepository(db);
    stats = new StatsRepository(db);
  });

  afterAll(async () => {
    await db.destroy();
    await testDb.drop();
  });

  it('stores events, creating stub customers and products', async () => {
    const result = await eventsRepo.insertBatch(
      events([
        eventInput({ customer_id: 'stub-c', product_id: 'stub-p', event_id: 'e-1' }),
        eventInput({ customer_id: 'stub-c', product_id: 'stub-p2', event_id: 'e-2' }),
      ]),
    );
    expect(result).toEqual({ inserted: 2, duplicates: 0 });
    const [c] = await db.query(`SELECT stub FROM customers WHERE customer_id = 'stub-c'`);
    expect(c).toEqual({ stub: true });
    const products: { product_id: string }[] = await db.query(
      `SELECT product_id FROM products WHERE stub ORDER BY product_id`,
    );
    expect(products.map((p) => p.product_id)).toEqual(expect.arrayContaining(['stub-p', 'stub-p2']));
  });

  it('counts a re-sent event_id as a duplicate and stores it once', async () => {
    const batch = events([eventInput({ event_id: 'dup-1' }), eventInput({ event_id: 'dup-2' })]);
    await eventsRepo.insertBatch(batch);
    expect(await eventsRepo.insertBatch(batch)).toEqual({ inserted: 0, duplicates: 2 });
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM events WHERE event_id IN ('dup-1', 'dup-2')`,
    );
    expect(n).toBe(2);
  });

  it('makes events without ids idempotent by content, keeping identical rows apart', async () => {
    const same = eventInput({ customer_id: 'twice', timestamp: '2011-05-05T10:00:00Z' });
    const first = await eventsRepo.insertBatch(events([same, { ...same }]));
    expect(first).toEqual({ inserted: 2, duplicates: 0 });
    expect(await eventsRepo.insertBatch(events([same, { ...same }]))).toEqual({ inserted: 0, duplicates: 2 });
  });

  it('stores timestamps as UTC instants', async () => {
    await eventsRepo.insertBatch(
      events([eventInput({ event_id: 'tz-1', timestamp: '2011-06-01T10:00:00+01:00' })]),
    );
    const [row] = await db.query(`SELECT ts FROM events WHERE event_id = 'tz-1'`);
    expect((row.ts as Date).toISOString()).toBe('2011-06-01T09:00:00.000Z');
  });

  it('upserts products: absent fields keep their value, attributes merge, stubs are filled', async () => {
    await eventsRepo.insertBatch(events([eventInput({ product_id: 'P-UP', event_id: 'up-1' })]));
    const first = await catalog.upsertProducts([
      productRecordSchema.parse(
        productInput({ product_id: 'P-UP', name: 'Mug', price: 3, available: false, colour: 'red' }),
      ),
    ]);
    expect(first).toEqual({ inserted: 0, updated: 1 });
    await catalog.upsertProducts([productRecordSchema.parse({ product_id: 'P-UP', price: 4, size: 'L' })]);
    const [row] = await db.query(
      `SELECT name, price, available, attributes, stub FROM products WHERE product_id = 'P-UP'`,
    );
    expect(row).toEqual({
      name: 'Mug',
      price: 4,
      available: false,
      attributes: { colour: 'red', size: 'L' },
      stub: false,
    });
  });

  it('writes nothing when an upsert changes nothing, and the last record of a batch wins', async () => {
    const rec = productRecordSchema.parse(productInput({ product_id: 'P-SAME', name: 'A' }));
    expect(await catalog.upsertProducts([rec])).toEqual({ inserted: 1, updated: 0 });
    expect(await catalog.upsertProducts([rec])).toEqual({ inserted: 0, updated: 0 });
    await catalog.upsertProducts([rec, { ...rec, name: 'B' }]);
    const [row] = await db.query(`SELECT name FROM products WHERE product_id = 'P-SAME'`);
    expect(row.name).toBe('B');
  });

  it('upserts customers with segment and signup date', async () => {
    await catalog.upsertCustomers([
      customerRecordSchema.parse(
        customerInput({ customer_id: 'C-UP', signup_date: '2010-12-01', country: 'France' }),
      ),
    ]);
    await catalog.upsertCustomers([customerRecordSchema.parse({ customer_id: 'C-UP', segment: 'EU' })]);
    const [row] = await db.query(
      `SELECT segment, signup_date, attributes FROM customers WHERE customer_id = 'C-UP'`,
    );
    expect(row).toEqual({
      segment: 'EU',
      signup_date: new Date('2010-12-01T00:00:00Z'),
      attributes: { country: 'France' },
    });
  });

  it('counts rows for status', async () => {
    const counts = await stats.counts();
    expect(counts.events).toBeGreaterThan(5);
    expect(counts.customers).toBeGreaterThan(0);
    expect(counts.products).toBeGreaterThan(0);
  });
});
