/**
 * Serving's in-memory catalogue against real Postgres and Redis: a product changed through
 * ingestion's `PUT /v1/products` is visible in serving within a second, through the pub/sub notice
 * alone (serving's periodic catch-up is slowed past the test), and a change nobody announced is found
 * by that catch-up.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CatalogRepository } from '@nextbuy/db';
import { createTestContext, eventually, type TestContext } from '@nextbuy/testing';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';
import { AppModule as ServingApp } from '../../apps/serving/src/app.module';
import { ServingCatalogService } from '../../apps/serving/src/catalog/serving-catalog.service';

const WRITE = { 'x-api-key': 'cat-write' };

describe('serving catalogue (real Postgres and Redis)', () => {
  let t: TestContext;
  let ingestion: NestFastifyApplication;
  let catalogue: ServingCatalogService;

  const put = async (products: object[]) => {
    const res = await ingestion.inject({
      method: 'PUT',
      url: '/v1/products',
      headers: WRITE,
      payload: products,
    });
    expect(res.statusCode).toBe(200);
  };

  beforeAll(async () => {
    t = await createTestContext({ NEXTBUY_API_KEYS: 'cat-write:write' });
    await new CatalogRepository(t.db).upsertProducts([
      {
        product_id: 'p1',
        name: 'Blue mug',
        category: 'MUG',
        brand: 'Acme',
        price: 3.5,
        attributes: { size: 'L' },
      },
      { product_id: 'p2', category: 'MUG', attributes: {} },
    ]);
    ingestion = await t.boot({ module: (env) => IngestionApp.forRoot(env) });
    // No poll within the test: only the notice can bring a change in.
    const serving = await t.boot({
      module: (env) => ServingApp.forRoot(env, { catalogPollIntervalMs: 600_000 }),
    });
    catalogue = serving.get(ServingCatalogService);
  });
  afterAll(() => t.close());

  it('holds the catalogue at boot, reading names and categories as builds do', () => {
    expect(catalogue.size).toBe(2);
    expect(catalogue.product('p1')).toEqual({
      product_id: 'p1',
      name: 'Blue mug',
      category: 'MUG',
      brand: 'Acme',
      price: 3.5,
      available: true,
      attributes: { size: 'L' },
    });
    expect(catalogue.name('p2')).toBeNull();
    expect(catalogue.viaName('p2')).toBe('p2');
    expect(catalogue.viaName('p1')).toBe('Blue mug');
    expect(catalogue.category('unknown')).toBeNull();
  });

  it('shows a product changed in ingestion within a second (the notice, not the poll)', async () => {
    const started = Date.now();
    await put([
      { product_id: 'p1', name: 'Red mug', available: false },
      { product_id: 'p3', name: 'Teapot' },
    ]);
    await eventually(
      () => Promise.resolve(catalogue.name('p1') === 'Red mug' && catalogue.name('p3') === 'Teapot'),
      'the change visible in serving',
    );
    expect(Date.now() - started).toBeLessThanOrEqual(1000);
    expect(catalogue.product('p1')).toMatchObject({ available: false, category: 'MUG', price: 3.5 });
  });

  it('finds a change nobody announced at its periodic catch-up', async () => {
    const polling = await t.boot({
      module: (env) => ServingApp.forRoot(env, { catalogPollIntervalMs: 50 }),
    });
    try {
      const polled = polling.get(ServingCatalogService);
      // A bulk import writes the table without a notice.
      await new CatalogRepository(t.db).upsertProducts([
        { product_id: 'p2', name: 'Green mug', attributes: {} },
      ]);
      await eventually(() => Promise.resolve(polled.name('p2') === 'Green mug'), 'the polled change');
    } finally {
      await t.closeApp(polling);
    }
  });
});
