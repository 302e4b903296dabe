import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  BUILD_PUBLISHED_CHANNEL,
  type RankedItem,
  recommendationServedAt,
  type RecommendationsResponse,
  type Strategy,
} from '@nextbuy/contracts';
import { BuildOutputRepository, type ItemListKind, type KeyedList } from '@nextbuy/db';
import { bootTestApp, eventually, publishTestBuild, TEST_REDIS_URL, type TestApp } from '@nextbuy/testing';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { AppModule, OPENAPI } from './app.module';
import type { ServingConfig } from './serving.config';

const READ = { 'x-api-key': 'it-read' };
const CLOSED_REDIS_URL = 'redis://127.0.0.1:1';
/** Long enough that, within a test, only a pub/sub message can switch the build. */
const NO_POLL: Partial<ServingConfig> = { buildPollIntervalMs: 600_000 };

const KEYS = { NEXTBUY_API_KEYS: 'it-read:read,it-write:write' };

const CATEGORIES = ['shoes', 'shirts', 'hats'];

const item = (productId: string, strategy: Strategy, score: number, rank: number): RankedItem => ({
  product_id: productId,
  name: `Product ${productId}`,
  category: CATEGORIES[Number(productId.slice(1)) % CATEGORIES.length]!,
  score,
  rank,
  strategy,
  reasons: [
    { feature: `${strategy}_signal`, value: score * 10, attribution: 0.75 },
    { feature: 'popularity', value: 3, attribution: 0.25 },
  ],
});

/** `ids` in rank order, scores falling, strategies taken in turn from `strategies`. */
const list = (ids: string[], strategies: Strategy[]): RankedItem[] =>
  ids.map((id, i) => item(id, strategies[i % strategies.length]!, 1 - i / 100, i + 1));

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `p${from + i}`);

describe('serving app', () => {
  let t: TestApp;
  let prefix: string;
  let app: NestFastifyApplication;
  let redis: Redis;
  let sql: DataSource;
  let firstBuild: string;

  const publishBuild = (
    customers: { customer_id: string; items: RankedItem[] }[],
    itemLists: Partial<Record<ItemListKind, KeyedList[]>>,
  ): Promise<string> => publishTestBuild(sql, { customers, itemLists });

  const get = (url: string, headers: Record<string, string> = READ, on = app) =>
    on.inject({ method: 'GET', url, headers });
  const recommend = (customer: string, query = '', on = app) =>
    get(`/v1/customers/${customer}/recommendations${query}`, READ, on);
  const productIds = (body: { items: RankedItem[] }) => body.items.map((i) => i.product_id);

  beforeAll(async () => {
    t = await bootTestApp({ module: (env) => AppModule.forRoot(env, NO_POLL), env: KEYS, openApi: OPENAPI });
    ({ app, db: sql, prefix } = t);
    redis = new Redis(TEST_REDIS_URL);
    await sql.query(
      `INSERT INTO products (product_id, name, category) SELECT 'p' || n, 'Product p' || n, 'x' FROM generate_series(1, 30) n`,
    );
    await sql.query(
      `INSERT INTO customers (customer_id, segment) VALUES ('c1', 'vip'), ('c-vip-new', 'vip'), ('c-plain', 'students')`,
    );
  });

  afterAll(async () => {
    await t?.close();
    await redis?.quit();
  });

  it('answers 503 before any build has been published', async () => {
    const res = await recommend('c1');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'no build has been published yet; run a rebuild',
    });
    expect((await get('/v1/products/p1/similar')).statusCode).toBe(503);
  });

  describe('with a published build', () => {
    beforeAll(async () => {
      firstBuild = await publishBuild(
        [{ customer_id: 'c1', items: list(ids(1, 12), ['repurchase', 'collaborative', 'affinity_similar']) }],
        {
          popular: [
            { key: '*', items: list(ids(20, 25), ['popular']) },
            // Stored with another strategy on purpose: the fallback still labels them `popular`.
            { key: 'vip', items: list(ids(26, 28), ['category_preference']) },
          ],
          similar: [{ key: 'p1', items: list(ids(2, 6), ['affinity_similar']) }],
          bought_together: [{ key: 'p5', items: list(['p13', 'p2', 'p14'], ['complementary']) }],
        },
      );
    });

    it("answers a known customer's stored list with ranks and reasons", async () => {
      const before = Date.now();
      const res = await recommend('c1');
      expect(res.statusCode).toBe(200);
      const body = res.json<RecommendationsResponse>();
      expect(body).toEqual({
        customer_id: 'c1',
        build_id: firstBuild,
        // A UUIDv7 carrying the serving instant (the answer log and feedback are partitioned by it).
        recommendation_id: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
        variant: 'default',
        items: expect.any(Array),
      });
      const servedAt = recommendationServedAt(body.recommendation_id)!;
      expect(servedAt).toBeGreaterThanOrEqual(before);
      expect(servedAt).toBeLessThanOrEqual(Date.now());
      expect(productIds(body)).toEqual(ids(1, 10));
      expect(body.items.map((i) => i.rank)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(body.items[0]).toEqual(item('p1', 'repurchase', 1, 1));
      expect((await recommend('c1')).json().recommendation_id).not.toBe(body.recommendation_id);
    });

    it('caches the list and its top in Redis under keys naming the build, with a TTL', async () => {
      // The usual call (no filters) reads the top; a filtered one the whole list.
      await recommend('c1');
      await recommend('c1', '?type=repurchase');
      for (const kind of ['top', 'rec']) {
        const ttl = await redis.ttl(`${prefix}:cache:${kind}:${firstBuild}:c1`);
        expect(ttl).toBeGreaterThan(3500);
        expect(ttl).toBeLessThanOrEqual(3600);
      }
      // Served from Redis: a change in Postgres is not seen while the keys live.
      await sql.query(`UPDATE recommendations SET items = '[]'::jsonb WHERE customer_id = 'c1'`);
      expect(productIds((await recommend('c1')).json())).toEqual(ids(1, 10));
      expect(productIds((await recommend('c1', '?exclude=p1')).json())).toEqual(ids(2, 11));
      await sql.query(`UPDATE recommendations SET items = $1::jsonb WHERE customer_id = 'c1'`, [
        JSON.stringify(list(ids(1, 12), ['repurchase', 'collaborative', 'affinity_similar'])),
      ]);
    });

    it('answers the usual call from the top exactly as the whole list answers it', async () => {
      const strip = (body: { recommendation_id: string }) => ({ ...body, recommendation_id: '' });
      for (const limit of [1, 10, 12]) {
        const fromTop = (await recommend('c1', `?limit=${limit}`)).json();
        // An exclusion of a product not in the list takes the general path and changes nothing.
        const fromList = (await recommend('c1', `?limit=${limit}&exclude=not-in-the-list`)).json();
        expect(fromTop.items).toHaveLength(limit);
        expect(strip(fromTop)).toEqual(strip(fromList));
      }
    });

    it('answers from a cached top with the headers and length of any other answer, and a HEAD without a body', async () => {
      await recommend('c1'); // the top is now in Redis: the next usual call answers from its bytes
      const fromTop = await recommend('c1');
      const whole = await recommend('c1', '?exclude=not-in-the-list');
      expect(fromTop.statusCode).toBe(200);
      expect(fromTop.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(fromTop.headers['content-length'])).toBe(fromTop.rawPayload.length);
      const names = (res: typeof whole) => Object.keys(res.headers).sort();
      expect(names(fromTop)).toEqual(names(whole));
      const strip = (body: { recommendation_id: string }) => ({ ...body, recommendation_id: '' });
      expect(strip(fromTop.json())).toEqual(strip(whole.json()));
      const head = await app.inject({
        method: 'HEAD',
        url: '/v1/customers/c1/recommendations',
        headers: READ,
      });
      expect(head.statusCode).toBe(200);
      expect(head.rawPayload.length).toBe(0);
      expect(head.headers['content-length']).toBe(fromTop.headers['content-length']);
      // Counted like any answer (the onResponse hooks still run).
      const metrics = (await get('/metrics')).body;
      expect(metrics).toMatch(
        /http_request_duration_seconds_count\{[^}]*route="\/v1\/customers\/:id\/recommendations"[^}]*status_code="200"[^}]*\} [1-9]/,
      );
    });

    it('collapses concurrent misses of one key into one Postgres read', async () => {
      await redis.del(`${prefix}:cache:rec:${firstBuild}:c1`, `${prefix}:cache:top:${firstBuild}:c1`);
      const original = BuildOutputRepository.prototype.recommendationsOf;
      // Slow reads, so every request arrives while the first one is still loading.
      const spy = jest
        .spyOn(BuildOutputRepository.prototype, 'recommendationsOf')
        .mockImplementation(async function (this: BuildOutputRepository, buildId, customerIds) {
          await new Promise((r) => setTimeout(r, 100));
          return original.call(this, buildId, customerIds);
        });
      try {
        // The top's key, then the whole list's: one read each.
        for (const query of ['?limit=3', '?limit=3&type=all&exclude=p9']) {
          spy.mockClear();
          const answers = await Promise.all(Array.from({ length: 20 }, () => recommend('c1', query)));
          expect(answers.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
          expect(new Set(answers.map((r) => productIds(r.json()).join()))).toEqual(new Set(['p1,p2,p3']));
          expect(spy).toHaveBeenCalledTimes(1);
        }
      } finally {
        spy.mockRestore();
      }
    });

    it('reads the misses of several customers at once in one statement, each answered its own list', async () => {
      const customers = ['c1', 'c2', 'c3'];
      await redis.del(
        ...customers.flatMap((c) => [
          `${prefix}:cache:top:${firstBuild}:${c}`,
          `${prefix}:cache:rec:${firstBuild}:${c}`,
        ]),
      );
      const spy = jest.spyOn(BuildOutputRepository.prototype, 'recommendationsOf');
      try {
        const warm = await Promise.all(customers.map((c) => recommend(c, '?limit=3&exclude=p9')));
        const answers = await Promise.all(customers.map((c) => recommend(c, '?limit=3')));
        expect(answers.map((r) => productIds(r.json()))).toEqual(warm.map((r) => productIds(r.json())));
        const reads = spy.mock.calls.filter(([, ids]) => ids.some((id) => customers.includes(id)));
        // The lists (`exclude`: the whole list's key) in one statement, then the tops in another.
        expect(reads.map(([, ids]) => [...ids].sort())).toEqual([customers, customers]);
      } finally {
        spy.mockRestore();
      }
    });

    describe('limit', () => {
      it('cuts the list', async () => {
        expect(productIds((await recommend('c1', '?limit=3')).json())).toEqual(['p1', 'p2', 'p3']);
        expect((await recommend('c1', '?limit=50')).json().items).toHaveLength(12);
      });

      it.each([
        ['0', '"0"'],
        ['51', '"51"'],
        ['abc', '"abc"'],
        ['2.5', '"2.5"'],
      ])('answers limit=%s with a precise 400', async (limit, shown) => {
        const res = await recommend('c1', `?limit=${limit}`);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: `Invalid query parameters: limit must be a whole number from 1 to 50 (got ${shown})`,
          details: { errors: [`limit must be a whole number from 1 to 50 (got ${shown})`] },
        });
      });

      it('answers a repeated limit with 400', async () => {
        const res = await recommend('c1', '?limit=2&limit=3');
        expect(res.statusCode).toBe(400);
        expect(res.json().message).toBe('Invalid query parameters: limit must be given once (got 2 values)');
      });
    });

    describe('filters', () => {
      it('keeps one strategy with type, re-ranked', async () => {
        const body = (await recommend('c1', '?type=collaborative')).json<RecommendationsResponse>();
        expect(productIds(body)).toEqual(['p2', 'p5', 'p8', 'p11']);
        expect(body.items.map((i) => [i.rank, i.strategy])).toEqual([
          [1, 'collaborative'],
          [2, 'collaborative'],
          [3, 'collaborative'],
          [4, 'collaborative'],
        ]);
        expect((await recommend('c1', '?type=all&limit=12')).json().items).toHaveLength(12);
      });

      it('answers an unknown type with 400 naming the choices', async () => {
        const res = await recommend('c1', '?type=trending');
        expect(res.statusCode).toBe(400);
        expect(res.json().message).toBe(
          'Invalid query parameters: type must be one of all, repurchase, affinity_similar, collaborative, ' +
            'complementary, category_preference, popular (got "trending")',
        );
      });

      it('keeps one category', async () => {
        const body = (await recommend('c1', '?category=shoes')).json<RecommendationsResponse>();
        expect(productIds(body)).toEqual(['p3', 'p6', 'p9', 'p12']);
        expect(body.items.map((i) => i.rank)).toEqual([1, 2, 3, 4]);
      });

      it('drops excluded products and fills up from the rest of the list', async () => {
        const body = (await recommend('c1', '?exclude=p1,%20p3,p99&limit=4')).json<RecommendationsResponse>();
        expect(productIds(body)).toEqual(['p2', 'p4', 'p5', 'p6']);
        expect(body.items.map((i) => i.rank)).toEqual([1, 2, 3, 4]);
      });

      it('with product_id, puts what is bought with it first and leaves it out', async () => {
        const body = (await recommend('c1', '?product_id=p5&limit=6')).json<RecommendationsResponse>();
        expect(productIds(body)).toEqual(['p13', 'p2', 'p14', 'p1', 'p3', 'p4']);
        expect(body.items.slice(0, 3).map((i) => i.strategy)).toEqual(Array(3).fill('complementary'));
        // A product without a bought-together list: only left out.
        expect(productIds((await recommend('c1', '?product_id=p1&limit=3')).json())).toEqual([
          'p2',
          'p3',
          'p4',
        ]);
      });
    });

    describe('customers without a stored list', () => {
      it('get the popular list of their segment, labelled popular', async () => {
        const res = await recommend('c-vip-new');
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({
          customer_id: 'c-vip-new',
          build_id: firstBuild,
          variant: 'default',
        });
        expect(productIds(res.json())).toEqual(['p26', 'p27', 'p28']);
        expect(res.json<RecommendationsResponse>().items.map((i) => i.strategy)).toEqual(
          Array(3).fill('popular'),
        );
      });

      it('get the global popular list when their segment has none, or they are not known at all', async () => {
        for (const customer of ['c-plain', 'c-never-seen']) {
          const res = await recommend(customer, '?limit=4');
          expect(res.statusCode).toBe(200);
          expect(productIds(res.json())).toEqual(['p20', 'p21', 'p22', 'p23']);
          expect(res.json<RecommendationsResponse>().items.map((i) => i.rank)).toEqual([1, 2, 3, 4]);
        }
      });
    });

    describe('product lists', () => {
      it('answers similar products', async () => {
        const res = await get('/v1/products/p1/similar?limit=2');
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          product_id: 'p1',
          build_id: firstBuild,
          items: [item('p2', 'affinity_similar', 1, 1), item('p3', 'affinity_similar', 0.99, 2)],
        });
      });

      it('answers products bought together', async () => {
        const res = await get('/v1/products/p5/bought-together');
        expect(res.statusCode).toBe(200);
        expect(productIds(res.json())).toEqual(['p13', 'p2', 'p14']);
      });

      it('answers an empty list for a known product without one', async () => {
        const res = await get('/v1/products/p9/bought-together');
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ product_id: 'p9', build_id: firstBuild, items: [] });
      });

      it('answers 404 for a product not in the catalog', async () => {
        const res = await get('/v1/products/nope/similar');
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: 'product "nope" is not in the catalog; load it with PUT /v1/products or an import',
        });
      });

      it('validates limit', async () => {
        const res = await get('/v1/products/p1/similar?limit=0');
        expect(res.statusCode).toBe(400);
        expect(res.json().message).toBe(
          'Invalid query parameters: limit must be a whole number from 1 to 50 (got "0")',
        );
      });
    });

    // Issue #15, defect 3: an id or filter Postgres cannot hold (NUL, a lone surrogate) is a client
    // mistake named in a 400, never a 500.
    describe('text Postgres cannot store', () => {
      it.each([
        ['/v1/customers/a%00b/recommendations', 'customer id contains a NUL character (U+0000)'],
        ['/v1/customers/c1/recommendations?product_id=%00', 'product_id contains a NUL character (U+0000)'],
        ['/v1/customers/c1/recommendations?category=x%00', 'category contains a NUL character (U+0000)'],
        ['/v1/customers/c1/recommendations?exclude=p1,p%00', 'exclude contains a NUL character (U+0000)'],
        ['/v1/products/a%00/similar', 'product id contains a NUL character (U+0000)'],
        ['/v1/products/a%00/bought-together', 'product id contains a NUL character (U+0000)'],
      ])('answers %s with 400 naming the parameter', async (url, problem) => {
        const res = await get(url);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: expect.stringContaining(problem),
          details: { errors: [problem] },
        });
      });
    });

    describe('API keys', () => {
      it('answers 401 without a key or with an unknown one', async () => {
        for (const headers of [{}, { 'x-api-key': 'guess' }] as Record<string, string>[]) {
          const res = await get('/v1/customers/c1/recommendations', headers);
          expect(res.statusCode).toBe(401);
          expect(res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
        }
        expect((await get('/v1/products/p1/similar', {})).statusCode).toBe(401);
      });

      it('accepts a read key in either header, and stronger keys', async () => {
        expect(
          (await get('/v1/customers/c1/recommendations', { authorization: 'Bearer it-read' })).statusCode,
        ).toBe(200);
        expect((await get('/v1/products/p1/bought-together', { 'x-api-key': 'it-write' })).statusCode).toBe(
          200,
        );
      });
    });

    describe('when Redis is down', () => {
      let offline: NestFastifyApplication;

      beforeAll(async () => {
        offline = await t.boot({
          module: (env) => AppModule.forRoot(env, NO_POLL),
          env: { REDIS_URL: CLOSED_REDIS_URL },
          openApi: OPENAPI,
        });
      });

      afterAll(async () => {
        if (offline) await t.closeApp(offline);
      });

      it('answers from Postgres, quickly', async () => {
        const started = Date.now();
        const known = await recommend('c1', '?limit=3', offline);
        const fallback = await recommend('c-vip-new', '', offline);
        const similar = await get('/v1/products/p1/similar', READ, offline);
        expect(Date.now() - started).toBeLessThan(500);
        expect(known.statusCode).toBe(200);
        expect(productIds(known.json())).toEqual(['p1', 'p2', 'p3']);
        expect(productIds(fallback.json())).toEqual(['p26', 'p27', 'p28']);
        expect(productIds(similar.json())).toEqual(ids(2, 6));
      });

      it('stays ready: /health checks Postgres only', async () => {
        const res = await get('/health', {}, offline);
        expect(res.statusCode).toBe(200);
        expect(res.json().info.redis).toBeUndefined();
      });
    });

    describe('a newly published build', () => {
      let secondBuild: string;

      beforeAll(async () => {
        await recommend('c1'); // the first build's key is cached before the switch
        secondBuild = await publishBuild([{ customer_id: 'c1', items: list(ids(7, 9), ['repurchase']) }], {
          popular: [{ key: '*', items: list(['p30'], ['popular']) }],
        });
      });

      it('is served once its publish message arrives, with keys of its own', async () => {
        // Until the message, the in-memory build is still the first one (no poll in this test).
        expect((await recommend('c1')).json().build_id).toBe(firstBuild);
        await redis.publish(BUILD_PUBLISHED_CHANNEL, secondBuild);
        await eventually(
          async () => (await recommend('c1')).json().build_id === secondBuild,
          'the published build served',
        );
        expect(productIds((await recommend('c1')).json())).toEqual(['p7', 'p8', 'p9']);
        expect(productIds((await recommend('c-never-seen')).json())).toEqual(['p30']);
        expect(await redis.exists(`${prefix}:cache:top:${secondBuild}:c1`)).toBe(1);
        // The old build's key is left to expire.
        expect(await redis.ttl(`${prefix}:cache:top:${firstBuild}:c1`)).toBeGreaterThan(0);
      });

      it('is picked up by the fallback re-read when the message is lost', async () => {
        const polling = await t.boot({
          module: (env) => AppModule.forRoot(env, { buildPollIntervalMs: 50 }),
        });
        try {
          expect((await recommend('c1', '', polling)).json().build_id).toBe(secondBuild);
          const third = await publishBuild([{ customer_id: 'c1', items: list(['p10'], ['repurchase']) }], {});
          await eventually(
            async () => (await recommend('c1', '', polling)).json().build_id === third,
            'the re-read build served',
          );
        } finally {
          await t.closeApp(polling);
        }
      });
    });
  });

  it('GET /docs/json documents the endpoints', async () => {
    const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/v1/customers/{id}/recommendations',
        '/v1/products/{id}/similar',
        '/v1/products/{id}/bought-together',
      ]),
    );
    const recommendations = docs.paths['/v1/customers/{id}/recommendations'].get;
    expect((recommendations.parameters as { name: string }[]).map((p) => p.name)).toEqual(
      expect.arrayContaining(['id', 'limit', 'type', 'category', 'exclude', 'product_id']),
    );
    expect(recommendations.responses['200'].content['application/json'].schema.example).toBeDefined();
  });
});
