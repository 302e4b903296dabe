/**
 * Real-time refresh against the machine's Postgres and Redis: the four apps in process, a synthetic
 * shop imported and rebuilt through the queues, then events posted to ingestion and the lists read
 * back from serving until they change.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { QueueName, type RankedItem, type RecommendationsResponse } from '@nextbuy/contracts';
import { redisOptionsFromUrl } from '@nextbuy/server';
import { TEST_REDIS_URL } from '@nextbuy/testing';
import { AppModule as CandidatesApp } from '../../apps/candidates/src/app.module';
import { CustomerRefresher } from '../../apps/candidates/src/realtime/customer-refresher';
import { refreshCount } from '../../apps/candidates/src/realtime/realtime.metrics';
import { AppModule as FeaturesApp } from '../../apps/features/src/app.module';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';
import { AppModule as ServingApp } from '../../apps/serving/src/app.module';
import { startStack, waitForBuild, type E2eStack } from './stack';

jest.setTimeout(120_000);

const ADMIN = { 'x-api-key': 'rt-admin' };
const READ = { 'x-api-key': 'rt-read' };

describe('real-time refresh (real Postgres, Redis and queues)', () => {
  let stack: E2eStack;
  let realtime: Queue;
  let ingestion: NestFastifyApplication;
  let serving: NestFastifyApplication;
  let candidates: NestFastifyApplication;
  let buildId: string;

  const post = async (events: object[]) => {
    const res = await ingestion.inject({
      method: 'POST',
      url: '/v1/events',
      headers: ADMIN,
      payload: events,
    });
    expect(res.statusCode).toBe(202);
  };

  const list = async (customer: string): Promise<RankedItem[]> => {
    const res = await serving.inject({
      method: 'GET',
      url: `/v1/customers/${customer}/recommendations?limit=50`,
      headers: READ,
    });
    expect(res.statusCode).toBe(200);
    return res.json<RecommendationsResponse>().items;
  };

  /** Polls serving until the customer's list satisfies `done`. */
  const until = async (customer: string, done: (items: RankedItem[]) => boolean): Promise<RankedItem[]> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const items = await list(customer);
      if (done(items)) return items;
      if (Date.now() > deadline)
        throw new Error(`list of ${customer} never changed: ${JSON.stringify(items)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const idle = async () => {
    for (;;) {
      const c = await realtime.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(c).every((n) => n === 0)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const refreshed = async () => {
    const metric = await refreshCount().get();
    return metric.values.find((v) => v.labels.outcome === 'refreshed')?.value ?? 0;
  };

  const rankOf = (items: RankedItem[], id: string) =>
    items.find((i) => i.product_id === id)?.rank ?? Infinity;
  const now = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

  beforeAll(async () => {
    stack = await startStack('rt-admin:admin,rt-read:read', {
      REBUILD_SHARDS: '1',
      // Wide enough that a burst of concurrent requests on a busy test machine lands in one window.
      REALTIME_DEBOUNCE_MS: '600',
    });
    // The features and candidates apps work the queues; the stack closes them.
    [ingestion, , candidates, serving] = await Promise.all([
      stack.bootApp(IngestionApp),
      stack.bootApp(FeaturesApp),
      stack.bootApp(CandidatesApp),
      stack.bootApp(ServingApp),
    ]);
    realtime = new Queue(QueueName.Realtime, {
      connection: redisOptionsFromUrl(TEST_REDIS_URL),
      prefix: stack.prefix,
    });
    const res = await ingestion.inject({ method: 'POST', url: '/v1/rebuilds', headers: ADMIN, payload: {} });
    const { build_id } = res.json<{ build_id: string }>();
    buildId = build_id;
    const built = await waitForBuild(ingestion, ADMIN, build_id, ['published', 'failed'], 90_000);
    if (built.status !== 'published') throw new Error(`build ${built.status}: ${built.error}`);
    // Serving learns the new build through pub/sub.
    await until('C001', (items) => items.length > 0);
  });

  afterAll(async () => {
    await realtime?.close();
    await stack?.close();
  });

  it('decodes a published build before any refresh asks for it', async () => {
    // The publish is announced on BUILD_PUBLISHED_CHANNEL: the refresher decodes the build then, so
    // the first refreshes after a publish do not wait for it (seconds at 1M customers).
    const refresher = candidates.get(CustomerRefresher);
    const deadline = Date.now() + 20_000;
    while (refresher.decodedBuildId !== buildId && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(refresher.decodedBuildId).toBe(buildId);
    expect(await refreshed()).toBe(0);
  });

  it('puts a cart-added product near the top of the served list', async () => {
    const before = await list('C001');
    const target = before.filter((i) => i.rank > 10).at(-1)?.product_id ?? 'P047';
    await post([{ customer_id: 'C001', product_id: target, type: 'cart_add', timestamp: now() }]);
    const after = await until('C001', (items) => rankOf(items, target) <= 5);
    const item = after.find((i) => i.product_id === target)!;
    expect(item.reasons.map((r) => r.text)).toContain('in your cart now');
    expect(item.reasons.reduce((s, r) => s + r.attribution, 0)).toBeCloseTo(1, 4);
  });

  it('drops a returned product', async () => {
    const before = await list('C002');
    const top = before[0]!;
    await post([{ customer_id: 'C002', product_id: top.product_id, type: 'return', timestamp: now() }]);
    const after = await until('C002', (items) => rankOf(items, top.product_id) > top.rank);
    expect(after.find((i) => i.product_id === top.product_id)?.score ?? 0).toBeLessThan(top.score);
  });

  it('refreshes once for a burst of 100 events of one customer', async () => {
    await idle();
    const start = await refreshed();
    const products = ['P001', 'P002', 'P003', 'P004'];
    await Promise.all(
      Array.from({ length: 20 }, (_, r) =>
        post(
          Array.from({ length: 5 }, (_, k) => ({
            customer_id: 'C003',
            product_id: products[(r + k) % products.length],
            type: 'view',
            timestamp: now(r * 5 + k),
          })),
        ),
      ),
    );
    await new Promise((r) => setTimeout(r, 800));
    await idle();
    expect((await refreshed()) - start).toBe(1);
  });

  it('recommends a product added through the API after the build', async () => {
    const put = await ingestion.inject({
      method: 'PUT',
      url: '/v1/products',
      headers: ADMIN,
      payload: [{ product_id: 'PNEW', name: 'mugs item new', category: 'mugs', brand: 'brand0', price: 2 }],
    });
    expect(put.statusCode).toBe(200);
    expect(rankOf(await list('C000'), 'PNEW')).toBe(Infinity);
    // C000's favourite category is mugs (P000, P006, …): a view of one brings the new mug along.
    await post([{ customer_id: 'C000', product_id: 'P006', type: 'view', timestamp: now() }]);
    const after = await until('C000', (items) => rankOf(items, 'PNEW') < Infinity);
    expect(after.find((i) => i.product_id === 'PNEW')!.category).toBe('mugs');
  });
});
