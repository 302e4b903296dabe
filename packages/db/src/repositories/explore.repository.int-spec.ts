import {
  assignEventIds,
  eventRecordSchema,
  productRecordSchema,
  type EventRecordInput,
} from '@nextbuy/contracts';
import { createTestDatabase, eventInput, productInput, type TestDatabase } from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { CatalogRepository } from './catalog.repository';
import { EventRepository } from './event.repository';
import { ExploreRepository } from './explore.repository';

const events = (inputs: EventRecordInput[]) => assignEventIds(inputs.map((i) => eventRecordSchema.parse(i)));
const at = (day: number, hour = 10) => new Date(Date.UTC(2011, 5, day, hour)).toISOString();
const buy = (customer: string, product: string, day = 1) =>
  eventInput({ customer_id: customer, product_id: product, type: 'purchase', timestamp: at(day) });

describe('ExploreRepository (real Postgres)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let explore: ExploreRepository;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 2 }).initialize();
    explore = new ExploreRepository(db);
    await new CatalogRepository(db).upsertProducts([
      productRecordSchema.parse(productInput({ product_id: 'mug', name: 'Blue mug' })),
    ]);
    await new EventRepository(db).insertBatch(
      events([
        buy('ann', 'mug', 1),
        buy('ann', 'tea', 2),
        buy('ann', 'pot', 3),
        eventInput({ customer_id: 'ann', product_id: 'mug', type: 'view', timestamp: at(4) }),
        // bob shares mug and tea (2 of 3 distinct: 2/3); cy shares only mug of their 4 and her 3 (1/6).
        buy('bob', 'mug'),
        buy('bob', 'tea'),
        buy('cy', 'mug'),
        buy('cy', 'x1'),
        buy('cy', 'x2'),
        buy('cy', 'x3'),
        eventInput({ customer_id: 'dee', product_id: 'mug', type: 'view', timestamp: at(5) }),
        eventInput({
          customer_id: 'now',
          product_id: 'tea',
          type: 'view',
          timestamp: new Date().toISOString(),
        }),
      ]),
    );
  });

  afterAll(async () => {
    await db.destroy();
    await testDb.drop();
  });

  it('counts rows and the events of the last day and week', async () => {
    expect(await explore.counts()).toEqual({
      counts: { customers: 5, products: 6, events: 12, events_24h: 1, events_7d: 1 },
      estimated: [],
    });
  });

  it("reads a large table's count from Postgres' statistics, and names it estimated", async () => {
    await db.query('ANALYZE customers, products, events');
    // Every table is "large" at 6 rows: each count is the statistics' (exact for a table ANALYZE read whole).
    expect(await explore.counts(6)).toEqual({
      counts: { customers: 5, products: 6, events: 12, events_24h: 1, events_7d: 1 },
      estimated: ['products', 'events'],
    });
    // The recent counts stay exact whatever the threshold.
    expect((await explore.counts(0)).estimated).toEqual(['customers', 'products', 'events']);
  });

  it('describes a customer with counts per type and the span of their history', async () => {
    const ann = await explore.customer('ann');
    expect(ann).toMatchObject({
      customer_id: 'ann',
      stub: true,
      event_counts: { purchase: 3, view: 1 },
      first_event_at: at(1),
      last_event_at: at(4),
    });
    expect(await explore.customer('nobody')).toBeNull();
  });

  it('lists a customer history newest first, with product names', async () => {
    const history = await explore.customerEvents('ann', 2);
    expect(history.map((e) => [e.type, e.product_id, e.timestamp])).toEqual([
      ['view', 'mug', at(4)],
      ['purchase', 'pot', at(3)],
    ]);
    expect(history[0]!.product_name).toBe('Blue mug');
  });

  it('ranks similar customers by overlap of purchased products, ignoring other event types', async () => {
    const similar = await explore.similarCustomers('ann', 10);
    expect(similar.map((s) => s.customer_id)).toEqual(['bob', 'cy']);
    expect(similar[0]).toEqual({ customer_id: 'bob', shared_products: 2, similarity: 2 / 3 });
    expect(similar[1]!.similarity).toBeCloseTo(1 / 6);
  });

  it('describes a product with its daily events, oldest first', async () => {
    const mug = await explore.product('mug', 30);
    expect(mug).toMatchObject({
      product_id: 'mug',
      name: 'Blue mug',
      event_counts: { purchase: 3, view: 2 },
    });
    expect(mug!.popularity).toEqual([
      { day: '2011-06-01', counts: { purchase: 3 } },
      { day: '2011-06-04', counts: { view: 1 } },
      { day: '2011-06-05', counts: { view: 1 } },
    ]);
    expect((await explore.product('mug', 1))!.popularity.map((d) => d.day)).toEqual(['2011-06-05']);
    expect(await explore.product('nothing', 30)).toBeNull();
  });
});
