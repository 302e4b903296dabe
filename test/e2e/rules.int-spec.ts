/**
 * Merchandising rules and the catalogue at serve time, end to end against real Postgres and Redis:
 * rules written through ingestion's `/v1/rules` change serving's answers (customer lists, similar,
 * bought-together) within a second; each rule kind, validity windows, contexts and priority; a
 * product set unavailable through `PUT /v1/products` leaves every answer within a second; the
 * category cap per request; an experiment variant without rules.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type {
  ProductListResponse,
  RankedItem,
  RecommendationsResponse,
  RuleView,
  Strategy,
} from '@nextbuy/contracts';
import { CatalogRepository, RuleRepository } from '@nextbuy/db';
import {
  customerListCacheKey,
  customerTopCacheKey,
  encodeListCache,
  encodeTopAnswer,
  listCacheToken,
  listCachePrefix,
} from '@nextbuy/server';
import {
  createTestContext,
  eventually,
  publishTestBuild,
  TEST_REDIS_URL,
  type TestContext,
} from '@nextbuy/testing';
import Redis from 'ioredis';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';
import { AppModule as ServingApp } from '../../apps/serving/src/app.module';
import { ActiveBuildService } from '../../apps/serving/src/builds/active-build.service';
import { RunningExperimentService } from '../../apps/serving/src/experiments/running-experiment.service';
import { ServingRulesService } from '../../apps/serving/src/rules/serving-rules.service';
import { ShapedTops } from '../../apps/serving/src/rules/shaped-tops';

const ADMIN = { 'x-api-key': 'rules-admin' };

/** id, category, price, brand, material */
const PRODUCTS: [string, string, number, string, string][] = [
  ['p1', 'Outdoor', 40, 'acme', 'wool'],
  ['p2', 'Kitchen', 60, 'acme', 'steel'],
  ['p3', 'Outdoor', 80, 'bolt', 'nylon'],
  ['p4', 'Garden', 5, 'bolt', 'clay'],
  ['p5', 'Kitchen', 20, 'acme', 'steel'],
  ['p6', 'Garden', 15, 'bolt', 'wool'],
  ['x1', 'Garden', 1, 'acme', 'clay'],
];

const item = (productId: string, rank: number, strategy: Strategy = 'repurchase'): RankedItem => ({
  product_id: productId,
  name: `Product ${productId}`,
  category: PRODUCTS.find((p) => p[0] === productId)![1],
  score: 1 - rank / 10,
  rank,
  strategy,
  reasons: [
    { feature: 'repurchase_frequency', value: 2, attribution: 0.75, text: 'bought this 2 times in 90 days' },
    { feature: 'category_preference', value: 0.5, attribution: 0.25 },
  ],
});
const LIST = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((p, i) =>
  item(p, i + 1, i % 2 ? 'collaborative' : 'repurchase'),
);

describe('merchandising rules and the catalogue at serve time (real Postgres and Redis)', () => {
  let t: TestContext;
  let ingestion: NestFastifyApplication;
  let serving: NestFastifyApplication;

  const ids = (items: RankedItem[]) => items.map((i) => i.product_id);
  const answer = async (customer: string, query = '') => {
    const res = await serving.inject({
      method: 'GET',
      url: `/v1/customers/${customer}/recommendations${query}`,
      headers: ADMIN,
    });
    expect(res.statusCode).toBe(200);
    return res.json<RecommendationsResponse>();
  };
  const recommend = async (customer: string, query = '') => (await answer(customer, query)).items;
  /**
   * The usual call's items, after checking them against the full path's (`exclude` of a product no
   * list holds takes it: no cached top, no kept answer), as exact JSON.
   */
  const usual = async (customer: string, limit = 10) => {
    const items = await recommend(customer, `?limit=${limit}`);
    expect(JSON.stringify(items)).toBe(
      JSON.stringify(await recommend(customer, `?limit=${limit}&exclude=not-a-product`)),
    );
    return items;
  };
  const setAvailable = async (productId: string, available: boolean) => {
    const res = await ingestion.inject({
      method: 'PUT',
      url: '/v1/products',
      headers: ADMIN,
      payload: [{ product_id: productId, available }],
    });
    expect(res.statusCode).toBe(200);
  };
  const productList = async (product: string, kind: 'similar' | 'bought-together', query = '') => {
    const res = await serving.inject({
      method: 'GET',
      url: `/v1/products/${product}/${kind}${query}`,
      headers: ADMIN,
    });
    expect(res.statusCode).toBe(200);
    return res.json<ProductListResponse>().items;
  };
  /** Creates a rule through ingestion and waits until serving holds its version. */
  const addRule = async (body: object): Promise<RuleView> => {
    const res = await ingestion.inject({ method: 'POST', url: '/v1/rules', headers: ADMIN, payload: body });
    expect(res.statusCode).toBe(201);
    await followed();
    return res.json<RuleView>();
  };
  const followed = async () => {
    const version = await new RuleRepository(t.db).version();
    await eventually(
      () => serving.get(ServingRulesService).current.version === version,
      'serving follows the rules',
    );
  };
  const clearRules = async () => {
    for (const r of await new RuleRepository(t.db).list())
      await ingestion.inject({ method: 'DELETE', url: `/v1/rules/${r.id}`, headers: ADMIN });
    await followed();
  };

  beforeAll(async () => {
    t = await createTestContext({ NEXTBUY_API_KEYS: 'rules-admin:admin' });
    await new CatalogRepository(t.db).upsertProducts(
      PRODUCTS.map(([product_id, category, price, brand, material]) => ({
        product_id,
        name: `Product ${product_id}`,
        category,
        price,
        brand,
        available: true,
        attributes: { material },
      })),
    );
    await new CatalogRepository(t.db).upsertCustomers([
      { customer_id: 'vip1', segment: 'vip', attributes: {} },
      { customer_id: 'new1', segment: 'new', attributes: {} },
    ]);
    await publishTestBuild(t.db, {
      customers: ['vip1', 'new1', 'exp1'].map((customer_id) => ({ customer_id, items: LIST })),
      itemLists: {
        similar: [{ key: 'p1', items: [item('p2', 1), item('p3', 2), item('p4', 3), item('p5', 4)] }],
        bought_together: [
          { key: 'p1', items: [item('p5', 1, 'complementary'), item('p6', 2, 'complementary')] },
        ],
        popular: [{ key: '*', items: [item('p4', 1, 'popular')] }],
      },
    });
    ingestion = await t.boot({ module: (env) => IngestionApp.forRoot(env) });
    // No polls within the test: only the notices bring changes in, so "within a second" is theirs.
    serving = await t.boot({
      module: (env) =>
        ServingApp.forRoot(env, {
          rulesPollIntervalMs: 600_000,
          catalogPollIntervalMs: 600_000,
          experimentPollIntervalMs: 600_000,
        }),
    });
  });
  afterAll(() => t.close());
  afterEach(() => clearRules());

  it('answers the stored list as it is without rules', async () => {
    const items = await recommend('vip1');
    expect(ids(items)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(items.flatMap((i) => i.reasons).some((r) => r.feature === 'rule')).toBe(false);
  });

  it('shows a new rule in answers within a second (the notice, not the poll)', async () => {
    const started = Date.now();
    const res = await ingestion.inject({
      method: 'POST',
      url: '/v1/rules',
      headers: ADMIN,
      payload: { kind: 'filter', filter: 'exclude', condition: "category = 'Outdoor'" },
    });
    expect(res.statusCode).toBe(201);
    await eventually(async () => !ids(await recommend('vip1')).includes('p1'), 'the rule applied', 5000);
    expect(Date.now() - started).toBeLessThanOrEqual(1000);
    expect(ids(await recommend('vip1'))).toEqual(['p2', 'p4', 'p5', 'p6']);
  });

  it('filters: include keeps only what matches', async () => {
    await addRule({
      kind: 'filter',
      filter: 'include',
      condition: "price < 50 AND attributes.material IN ('wool', 'clay')",
    });
    expect(ids(await recommend('vip1'))).toEqual(['p1', 'p4', 'p6']);
  });

  it('boost and bury reorder and say so in a reason with no share of the score', async () => {
    const boost = await addRule({ kind: 'boost', factor: 10, condition: "id = 'p5'" });
    const bury = await addRule({
      kind: 'bury',
      factor: 10,
      condition: "brand = 'acme' AND category = 'Outdoor'",
    });
    const items = await recommend('vip1');
    expect(ids(items)).toEqual(['p5', 'p2', 'p3', 'p4', 'p6', 'p1']);
    const p5 = items[0]!;
    expect(p5.score).toBeCloseTo(0.5); // the stored score: the rank shows the boost
    expect(p5.reasons.at(-1)).toEqual({
      feature: 'rule',
      value: Number(boost.rule_id),
      attribution: 0,
      text: `promoted by rule ${boost.rule_id}`,
    });
    expect(items.at(-1)!.reasons.at(-1)!.text).toBe(`demoted by rule ${bury.rule_id}`);
    for (const i of items) expect(i.reasons.reduce((s, r) => s + r.attribution, 0)).toBeCloseTo(1);
    expect(items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('pin moves a listed product, or brings one in from the catalogue', async () => {
    const moved = await addRule({ kind: 'pin', position: 1, condition: "category = 'Garden'" });
    const brought = await addRule({ kind: 'pin', position: 3, condition: "id = 'x1'" });
    const items = await recommend('vip1', '?limit=5');
    expect(ids(items)).toEqual(['p4', 'p1', 'x1', 'p2', 'p3']);
    expect(items[0]!.reasons.at(-1)!.text).toBe(`pinned by rule ${moved.rule_id}`);
    expect(items[2]).toEqual({
      product_id: 'x1',
      name: 'Product x1',
      category: 'Garden',
      score: 0,
      rank: 3,
      strategy: 'popular',
      reasons: [
        {
          feature: 'rule',
          value: Number(brought.rule_id),
          attribution: 1,
          text: `pinned by rule ${brought.rule_id}`,
        },
      ],
    });
    // The request's own filters still hold for a product a pin brings in.
    expect(ids(await recommend('vip1', '?exclude=x1&limit=3'))).toEqual(['p4', 'p1', 'p2']);
  });

  it('higher priority wins a contested position', async () => {
    await addRule({ kind: 'pin', position: 1, priority: 1, condition: "id = 'p3'" });
    await addRule({ kind: 'pin', position: 1, priority: 9, condition: "id = 'p6'" });
    expect(ids(await recommend('vip1', '?limit=3'))).toEqual(['p6', 'p3', 'p1']);
  });

  it('applies a rule only within its validity window', async () => {
    const hour = 3600_000;
    await addRule({
      kind: 'filter',
      filter: 'exclude',
      condition: "id = 'p1'",
      starts_at: new Date(Date.now() + hour).toISOString(),
    });
    await addRule({
      kind: 'filter',
      filter: 'exclude',
      condition: "id = 'p2'",
      ends_at: new Date(Date.now() - hour).toISOString(),
    });
    await addRule({
      kind: 'filter',
      filter: 'exclude',
      condition: "id = 'p3'",
      starts_at: new Date(Date.now() - hour).toISOString(),
      ends_at: new Date(Date.now() + hour).toISOString(),
    });
    expect(ids(await recommend('vip1'))).toEqual(['p1', 'p2', 'p4', 'p5', 'p6']);
  });

  it('applies a rule only in its context: segment, viewed product, browsed category', async () => {
    await addRule({ kind: 'filter', filter: 'exclude', condition: "id = 'p1'", context: { segment: 'vip' } });
    expect(ids(await recommend('vip1'))).not.toContain('p1');
    expect(ids(await recommend('new1'))).toContain('p1');
    await clearRules();

    await addRule({ kind: 'pin', position: 1, condition: "id = 'x1'", context: { product_id: 'p1' } });
    expect(ids(await productList('p1', 'similar'))[0]).toBe('x1');
    expect(ids(await productList('p1', 'bought-together'))[0]).toBe('x1');
    expect(ids(await recommend('vip1', '?product_id=p1'))[0]).toBe('x1');
    expect(ids(await recommend('vip1'))).not.toContain('x1');
    await clearRules();

    await addRule({ kind: 'boost', factor: 100, condition: "id = 'p3'", context: { category: 'Outdoor' } });
    expect(ids(await recommend('vip1', '?category=Outdoor'))).toEqual(['p3', 'p1']);
    expect(ids(await recommend('vip1'))[0]).toBe('p1');
  });

  it('applies rules to similar and bought-together lists', async () => {
    await addRule({ kind: 'filter', filter: 'exclude', condition: "category = 'Kitchen'" });
    expect(ids(await productList('p1', 'similar'))).toEqual(['p3', 'p4']);
    expect(ids(await productList('p1', 'bought-together'))).toEqual(['p6']);
  });

  it('caps one category per request, by max_category_share', async () => {
    expect(ids(await recommend('vip1', '?limit=3&max_category_share=0.34'))).toEqual(['p1', 'p2', 'p4']);
    expect(ids(await productList('p1', 'similar', '?limit=4&max_category_share=0.25'))).toEqual([
      'p2',
      'p3',
      'p4',
    ]);
    const bad = await serving.inject({
      method: 'GET',
      url: '/v1/customers/vip1/recommendations?max_category_share=2',
      headers: ADMIN,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/max_category_share must be a number greater than 0 and at most 1/);
  });

  it('answers without rules in an experiment variant that turns them off', async () => {
    await addRule({ kind: 'filter', filter: 'exclude', condition: "id = 'p1'" });
    const created = await serving.inject({
      method: 'POST',
      url: '/v1/experiments',
      headers: ADMIN,
      payload: { name: 'rules-off', variants: [{ name: 'bare', share: 1, config: { rules: false } }] },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ experiment_id: string }>().experiment_id;
    expect(
      (await serving.inject({ method: 'POST', url: `/v1/experiments/${id}/start`, headers: ADMIN }))
        .statusCode,
    ).toBe(200);
    await serving.get(RunningExperimentService).refresh();
    try {
      expect(ids(await recommend('exp1'))).toContain('p1');
      expect(ids(await recommend('exp1', '?limit=3&type=repurchase'))).toEqual(['p1', 'p3', 'p5']);
    } finally {
      await serving.inject({ method: 'POST', url: `/v1/experiments/${id}/stop`, headers: ADMIN });
      await serving.get(RunningExperimentService).refresh();
    }
    expect(ids(await recommend('exp1'))).not.toContain('p1');
  });

  describe('the usual call reshaped by rules: one Redis GET, the answer kept per list and state', () => {
    it('answers from the kept answer exactly as the full path does, for every limit', async () => {
      await addRule({ kind: 'boost', factor: 10, condition: "id = 'p5'" });
      const kept = serving.get(ShapedTops);
      const first = await usual('vip1');
      expect(ids(first)).toEqual(['p5', 'p1', 'p2', 'p3', 'p4', 'p6']);
      const held = kept.size;
      expect(held).toBeGreaterThan(0);
      // Again, and for smaller limits: the same answer (a prefix), from what is kept.
      expect(await usual('vip1')).toEqual(first);
      expect(await usual('vip1', 3)).toEqual(first.slice(0, 3));
      expect(kept.size).toBe(held);
    });

    it('follows a rules change', async () => {
      await addRule({ kind: 'boost', factor: 10, condition: "id = 'p5'" });
      expect(ids(await usual('vip1'))[0]).toBe('p5');
      await addRule({ kind: 'boost', factor: 100, priority: 5, condition: "id = 'p6'" });
      expect(ids(await usual('vip1')).slice(0, 2)).toEqual(['p6', 'p5']);
    });

    it('follows a list the real-time refresh rewrote', async () => {
      await addRule({ kind: 'bury', factor: 100, condition: "id = 'p1'" });
      const before = await answer('vip1');
      expect(ids(before.items)).toEqual(['p2', 'p3', 'p4', 'p5', 'p6', 'p1']);
      // What the refresh writes (customer-refresher.ts): the list and its top, in serving's layout.
      const refreshed = [...LIST].reverse().map((item, i) => ({ ...item, score: 1 - (i + 1) / 10, rank: i + 1 }));
      const prefix = listCachePrefix(t.prefix);
      const redis = new Redis(TEST_REDIS_URL);
      try {
        const cached = encodeListCache(refreshed);
        await redis.set(customerListCacheKey(prefix, before.build_id, 'vip1'), cached, 'EX', 60);
        await redis.set(
          customerTopCacheKey(prefix, before.build_id, 'vip1'),
          encodeTopAnswer(refreshed, listCacheToken(cached)),
          'EX',
          60,
        );
        expect(ids(await usual('vip1'))).toEqual(['p6', 'p5', 'p4', 'p3', 'p2', 'p1']);
        // Back to the build's list for the tests that follow.
        await redis.del(
          customerListCacheKey(prefix, before.build_id, 'vip1'),
          customerTopCacheKey(prefix, before.build_id, 'vip1'),
        );
      } finally {
        await redis.quit();
      }
      expect(ids(await usual('vip1'))).toEqual(ids(before.items));
    });

    it('follows a product made unavailable and available again within a second', async () => {
      await addRule({ kind: 'boost', factor: 10, condition: "id = 'p5'" });
      expect(ids(await usual('vip1'))[0]).toBe('p5');
      try {
        let started = Date.now();
        await setAvailable('p5', false);
        await eventually(async () => !ids(await recommend('vip1')).includes('p5'), 'p5 gone', 5000);
        expect(Date.now() - started).toBeLessThanOrEqual(1000);
        expect(ids(await usual('vip1'))).toEqual(['p1', 'p2', 'p3', 'p4', 'p6']);
        started = Date.now();
        await setAvailable('p5', true);
        await eventually(async () => ids(await recommend('vip1'))[0] === 'p5', 'p5 back', 5000);
        expect(Date.now() - started).toBeLessThanOrEqual(1000);
      } finally {
        await setAvailable('p5', true);
      }
      expect(ids(await usual('vip1'))).toEqual(['p5', 'p1', 'p2', 'p3', 'p4', 'p6']);
    });

    it('follows a rule leaving its validity window', async () => {
      await addRule({
        kind: 'boost',
        factor: 10,
        condition: "id = 'p5'",
        ends_at: new Date(Date.now() + 1500).toISOString(),
      });
      expect(ids(await usual('vip1'))[0]).toBe('p5');
      await eventually(async () => ids(await recommend('vip1'))[0] === 'p1', 'the rule ended', 5000);
      expect(ids(await usual('vip1'))).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    });
  });

  it('drops a product set unavailable from every answer within a second, without a rebuild', async () => {
    const started = Date.now();
    const res = await ingestion.inject({
      method: 'PUT',
      url: '/v1/products',
      headers: ADMIN,
      payload: [
        { product_id: 'p2', available: false },
        { product_id: 'p6', available: false },
      ],
    });
    expect(res.statusCode).toBe(200);
    await eventually(async () => !ids(await recommend('vip1')).includes('p2'), 'p2 gone', 5000);
    expect(Date.now() - started).toBeLessThanOrEqual(1000);
    expect(ids(await recommend('vip1'))).toEqual(['p1', 'p3', 'p4', 'p5']);
    expect(ids(await recommend('vip1', '?type=collaborative'))).toEqual(['p4']);
    expect(ids(await productList('p1', 'similar'))).toEqual(['p3', 'p4', 'p5']);
    expect(ids(await productList('p1', 'bought-together'))).toEqual(['p5']);
  });

  it('finds a rules change nobody announced at its version check', async () => {
    const polling = await t.boot({ module: (env) => ServingApp.forRoot(env, { rulesPollIntervalMs: 50 }) });
    try {
      const rules = polling.get(ServingRulesService);
      // Written straight to Postgres: no notice.
      const written = await new RuleRepository(t.db).create({
        name: '',
        kind: 'boost',
        condition: 'available',
        factor: 2,
        position: null,
        filter: null,
        context: null,
        starts_at: null,
        ends_at: null,
        priority: 0,
      });
      await eventually(() => rules.current.size === 1, 'the polled rule', 5000);
      await new RuleRepository(t.db).remove(written.id);
      await eventually(() => rules.current.size === 0, 'the polled removal', 5000);
    } finally {
      await t.closeApp(polling);
      // The other serving app polls too slowly to see these unannounced writes: bring it along.
      await serving.get(ServingRulesService).refresh();
    }
  });

  // Last: it publishes another build.
  it('follows a new build under the same rules', async () => {
    await addRule({ kind: 'boost', factor: 10, condition: "id = 'p5'" });
    expect(ids(await usual('new1'))[0]).toBe('p5');
    // p2 and p6 were made unavailable above: this list does without them.
    const next = ['p3', 'p1', 'p4', 'p5'].map((p, i) => item(p, i + 1));
    const buildId = await publishTestBuild(t.db, { customers: [{ customer_id: 'new1', items: next }] });
    await serving.get(ActiveBuildService).refresh();
    const after = await answer('new1');
    expect(after.build_id).toBe(buildId);
    expect(ids(after.items)).toEqual(['p5', 'p3', 'p1', 'p4']);
    expect(ids(await usual('new1'))).toEqual(['p5', 'p3', 'p1', 'p4']);
  });
});
