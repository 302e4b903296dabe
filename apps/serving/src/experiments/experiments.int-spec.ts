import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type {
  ExperimentReport,
  ExperimentView,
  RankedItem,
  RecommendationsResponse,
  Strategy,
} from '@nextbuy/contracts';
import { bootTestApp, publishTestBuild, type TestApp } from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { AppModule, OPENAPI } from '../app.module';
import { FeedbackService } from '../feedback/feedback.service';
import { RecommendationLogService } from '../feedback/recommendation-log.service';
import type { ServingConfig } from '../serving.config';
import { bucketOf } from './assignment';

const READ = { 'x-api-key': 'it-read' };
const ADMIN = { 'x-api-key': 'it-admin' };
/** Writes and polls happen only when a test asks for them. */
const MANUAL: Partial<ServingConfig> = {
  buildPollIntervalMs: 600_000,
  experimentPollIntervalMs: 600_000,
  logFlushIntervalMs: 600_000,
};

const KEYS = { NEXTBUY_API_KEYS: 'it-read:read,it-write:write,it-admin:admin' };

const item = (productId: string, strategy: Strategy, score: number, rank: number): RankedItem => ({
  product_id: productId,
  name: productId,
  category: 'x',
  score,
  rank,
  strategy,
  reasons: [],
});

/** p1 repurchase 0.9, p2 collaborative 0.8, p3 repurchase 0.7, p4 collaborative 0.6 */
const OWN_LIST = [
  item('p1', 'repurchase', 0.9, 1),
  item('p2', 'collaborative', 0.8, 2),
  item('p3', 'repurchase', 0.7, 3),
  item('p4', 'collaborative', 0.6, 4),
];
const POPULAR = [item('p20', 'popular', 0.5, 1), item('p21', 'popular', 0.4, 2)];

const VARIANTS = [
  { name: 'control', share: 0.5, config: { source: 'popular' } },
  { name: 'collab-first', share: 0.5, config: { strategy_weights: { collaborative: 2 } } },
];

describe('experiments (serving, real Postgres)', () => {
  let t: TestApp;
  let app: NestFastifyApplication;
  let sql: DataSource;
  const customers = Array.from({ length: 40 }, (_, i) => `c${i}`);

  const call = (
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = ADMIN,
    payload?: unknown,
  ) => app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  const create = (body: unknown) => call('POST', '/v1/experiments', ADMIN, body);
  const recommend = async (customer: string) =>
    (await call('GET', `/v1/customers/${customer}/recommendations`, READ)).json<RecommendationsResponse>();
  const flushAll = async () => {
    await app.get(RecommendationLogService).flush();
    await app.get(FeedbackService).flush();
  };

  beforeAll(async () => {
    t = await bootTestApp({ module: (env) => AppModule.forRoot(env, MANUAL), env: KEYS, openApi: OPENAPI });
    ({ app, db: sql } = t);
    await publishTestBuild(sql, {
      customers: customers.map((customer_id) => ({ customer_id, items: OWN_LIST })),
      itemLists: { popular: [{ key: '*', items: POPULAR }] },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers the default variant, unchanged, while no experiment runs', async () => {
    const body = await recommend('c1');
    expect(body.variant).toBe('default');
    expect(body.items.map((i) => i.product_id)).toEqual(['p1', 'p2', 'p3', 'p4']);
  });

  describe('POST /v1/experiments', () => {
    it('creates a draft and answers 201 with it', async () => {
      const res = await create({ name: 'first', variants: VARIANTS });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({
        experiment_id: expect.stringMatching(/^\d+$/),
        name: 'first',
        status: 'draft',
        variants: [
          { name: 'control', share: 0.5, config: { source: 'popular' } },
          {
            name: 'collab-first',
            share: 0.5,
            config: { source: 'personal', strategy_weights: { collaborative: 2 } },
          },
        ],
        created_at: expect.any(String),
        started_at: null,
        stopped_at: null,
      });
    });

    it('answers a name Postgres cannot store with 400, not 500 (issue #15, defect 3)', async () => {
      for (const name of ['a\u0000b', 'x\ud800']) {
        const res = await create({ name, variants: VARIANTS });
        expect(res.statusCode).toBe(400);
        expect(res.json().details.errors).toEqual([expect.stringMatching(/^name contains a (NUL|lone)/)]);
      }
    });

    it('answers a taken name with 409', async () => {
      const res = await create({ name: 'first', variants: VARIANTS });
      expect(res.statusCode).toBe(409);
      expect(res.json().message).toBe('an experiment named "first" already exists; pick another name');
    });

    it.each([
      [{ variants: VARIANTS }, 'name is required'],
      [
        {
          name: 'x',
          variants: [
            { name: 'a', share: 0.5 },
            { name: 'b', share: 0.4 },
          ],
        },
        'variant shares must sum to 1 (got 0.9)',
      ],
      [
        {
          name: 'x',
          variants: [
            { name: 'a', share: 0.5 },
            { name: 'a', share: 0.5 },
          ],
        },
        'variant name "a" is used twice',
      ],
      [{ name: 'x', variants: [] }, 'variants must list at least one variant'],
      [{ name: 'x', variants: 'a' }, 'variants must be a JSON array (got a string)'],
      [{ name: 'x', variants: [{ name: 'a', share: 0 }] }, 'variants.0.share: share must be greater than 0'],
      [
        { name: 'x', variants: [{ name: 'a b', share: 1 }] },
        'variants.0.name: variant name must be 1–64 letters',
      ],
      [
        { name: 'x', variants: [{ name: 'a', share: 1, config: { strategy_weights: { trending: 1 } } }] },
        'variants.0.config.strategy_weights: unknown strategy "trending"',
      ],
      [
        { name: 'x', variants: [{ name: 'a', share: 1, config: { strategy_weights: { popular: -1 } } }] },
        'variants.0.config.strategy_weights: the weight of popular must be a number from 0 to 100 (got -1)',
      ],
      [
        { name: 'x', variants: [{ name: 'a', share: 1, config: { source: 'random' } }] },
        'source must be one of personal, popular',
      ],
      [{ name: 'x', variants: [{ name: 'a', share: 1 }], owner: 'me' }, 'owner'],
    ])('answers %j with a precise 400', async (body, expected) => {
      const res = await create(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.json().message).toContain(expected);
    });
  });

  describe('scopes', () => {
    it('needs an admin key to change experiments', async () => {
      for (const [method, url] of [
        ['POST', '/v1/experiments'],
        ['POST', '/v1/experiments/1/start'],
        ['POST', '/v1/experiments/1/stop'],
      ] as const) {
        expect((await call(method, url, {})).statusCode).toBe(401);
        expect((await call(method, url, READ)).statusCode).toBe(403);
        expect((await call(method, url, { 'x-api-key': 'it-write' })).statusCode).toBe(403);
      }
    });

    it('lets a read key see experiments and reports (the console read-only view)', async () => {
      for (const url of ['/v1/experiments', '/v1/experiments/999999', '/v1/experiments/999999/report']) {
        expect((await call('GET', url, {})).statusCode).toBe(401);
        expect([200, 404]).toContain((await call('GET', url, READ)).statusCode);
      }
    });
  });

  describe('lifecycle', () => {
    let first: ExperimentView;
    let second: ExperimentView;

    beforeAll(async () => {
      first = (await call('GET', '/v1/experiments'))
        .json<ExperimentView[]>()
        .find((e) => e.name === 'first')!;
      second = (await create({ name: 'second', variants: [{ name: 'only', share: 1 }] })).json();
    });

    it('lists experiments newest first and gets one', async () => {
      const list = (await call('GET', '/v1/experiments')).json<ExperimentView[]>();
      expect(list.map((e) => e.name)).toEqual(['second', 'first']);
      expect((await call('GET', `/v1/experiments/${first.experiment_id}`)).json()).toEqual(first);
    });

    it('answers 404 for an unknown experiment, whatever the id looks like', async () => {
      for (const id of [
        '999999',
        'abc',
        '99999999999999999999',
        '9223372036854775808',
        '9223372036854775807',
      ]) {
        for (const url of [`/v1/experiments/${id}`, `/v1/experiments/${id}/report`]) {
          const res = await call('GET', url);
          expect(res.statusCode).toBe(404);
          expect(res.json().message).toBe(
            `experiment "${id}" does not exist (GET /v1/experiments lists them)`,
          );
        }
        expect((await call('POST', `/v1/experiments/${id}/start`)).statusCode).toBe(404);
      }
    });

    it('starts one experiment at a time, and stops it', async () => {
      const started = await call('POST', `/v1/experiments/${second.experiment_id}/start`);
      expect(started.statusCode).toBe(200);
      expect(started.json()).toMatchObject({ status: 'running', started_at: expect.any(String) });
      expect((await recommend('c1')).variant).toBe('only');

      const refused = await call('POST', `/v1/experiments/${first.experiment_id}/start`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toBe(
        `experiment ${second.experiment_id} is running; stop it first (at most one experiment runs at a time)`,
      );
      const again = await call('POST', `/v1/experiments/${second.experiment_id}/start`);
      expect(again.statusCode).toBe(409);
      expect(again.json().message).toContain('is running: only a draft experiment can start');

      const stopped = await call('POST', `/v1/experiments/${second.experiment_id}/stop`);
      expect(stopped.statusCode).toBe(200);
      expect(stopped.json()).toMatchObject({ status: 'stopped', stopped_at: expect.any(String) });
      expect((await recommend('c1')).variant).toBe('default');

      expect((await call('POST', `/v1/experiments/${second.experiment_id}/stop`)).statusCode).toBe(409);
      expect((await call('POST', `/v1/experiments/${first.experiment_id}/stop`)).json().message).toBe(
        `experiment ${first.experiment_id} is draft: only a running experiment can stop`,
      );
      expect((await call('POST', `/v1/experiments/${second.experiment_id}/start`)).statusCode).toBe(409);
    });

    describe('while running', () => {
      const inControl = (c: string) => bucketOf(first.experiment_id, c) < 0.5;
      let control: string[];
      let treated: string[];

      beforeAll(async () => {
        expect((await call('POST', `/v1/experiments/${first.experiment_id}/start`)).statusCode).toBe(200);
        control = customers.filter(inControl);
        treated = customers.filter((c) => !inControl(c));
        expect(control.length).toBeGreaterThan(2);
        expect(treated.length).toBeGreaterThan(2);
      });

      it('assigns each customer a stable variant by hash, and shapes the answer by its config', async () => {
        for (const c of customers) {
          const body = await recommend(c);
          expect(body.variant).toBe(inControl(c) ? 'control' : 'collab-first');
          expect(body.items.map((i) => i.product_id)).toEqual(
            inControl(c) ? ['p20', 'p21'] : ['p2', 'p4', 'p1', 'p3'],
          );
          expect((await recommend(c)).variant).toBe(body.variant);
        }
        // Ranks follow the blend; scores are the stored ones.
        const blended = await recommend(treated[0]!);
        expect(blended.items.map((i) => [i.rank, i.score])).toEqual([
          [1, 0.8],
          [2, 0.6],
          [3, 0.9],
          [4, 0.7],
        ]);
      });

      it('reports CTR and conversion per variant, strategy and position, from attributed feedback', async () => {
        const control1 = await recommend(control[0]!);
        const control2 = await recommend(control[1]!);
        const treated1 = await recommend(treated[0]!);
        // Feedback first, its answers' log rows after: attribution happens at report time.
        const fb = (r: RecommendationsResponse, product: string, type: string) => ({
          recommendation_id: r.recommendation_id,
          customer_id: r.customer_id,
          product_id: product,
          type,
        });
        const events = [
          fb(control1, 'p20', 'impression'),
          fb(control1, 'p21', 'impression'),
          fb(control1, 'p20', 'click'),
          fb(control1, 'p20', 'click'), // a repeat counts once
          fb(control1, 'p20', 'purchase'),
          fb(control2, 'p20', 'impression'),
          fb(control2, 'p21', 'impression'),
          fb(treated1, 'p2', 'impression'),
          fb(treated1, 'p4', 'click'), // no impression sent: a click implies it was shown
          fb(treated1, 'p4', 'add_to_cart'),
          fb(treated1, 'p99', 'click'), // not in the answer: not attributed
          { ...fb(treated1, 'p1', 'click'), customer_id: 'someone-else' }, // wrong customer: not attributed
        ];
        const posted = await call('POST', '/v1/feedback', READ, events);
        expect(posted.statusCode).toBe(202);
        expect(posted.json()).toEqual({ accepted: events.length, rejected: [] });
        await app.get(FeedbackService).flush();
        await app.get(RecommendationLogService).flush();

        const res = await call('GET', `/v1/experiments/${first.experiment_id}/report`);
        expect(res.statusCode).toBe(200);
        const report = res.json<ExperimentReport>();
        expect(report.experiment).toMatchObject({ experiment_id: first.experiment_id, status: 'running' });
        expect(report.confidence).toBe(0.95);
        const [c, t] = report.variants;
        expect(c).toMatchObject({
          variant: 'control',
          impressions: 4,
          clicks: 1,
          add_to_cart: 0,
          purchases: 1,
          ctr: { rate: 0.25, low: expect.closeTo(0.0456, 3), high: expect.closeTo(0.6994, 3) },
          conversion: { rate: 0.25 },
        });
        // Every answer of the earlier test was logged too.
        expect(c!.recommendations).toBe(control.length * 2 + 2);
        expect(c!.strategies).toEqual([
          expect.objectContaining({ strategy: 'popular', impressions: 4, clicks: 1 }),
        ]);
        expect(c!.positions.map((p) => [p.position, p.impressions, p.clicks])).toEqual([
          [1, 2, 1],
          [2, 2, 0],
        ]);
        expect(t).toMatchObject({
          variant: 'collab-first',
          impressions: 2,
          clicks: 1,
          add_to_cart: 1,
          purchases: 0,
        });
        expect(t!.add_to_cart_rate.rate).toBe(0.5);
        expect(t!.strategies.map((s) => [s.strategy, s.impressions, s.clicks])).toEqual([
          ['collaborative', 2, 1],
        ]);
        expect(t!.positions.map((p) => [p.position, p.clicks])).toEqual([
          [1, 0],
          [2, 1],
        ]);
      });

      it('stores logged answers with build, variant, products and strategies in rank order', async () => {
        const body = await recommend(treated[1]!);
        await flushAll();
        const [row] = await sql.query(
          `SELECT build_id::text, experiment_id::text, variant, customer_id, product_ids, strategies
           FROM recommendation_log WHERE recommendation_id = $1`,
          [body.recommendation_id],
        );
        expect(row).toEqual({
          build_id: body.build_id,
          experiment_id: first.experiment_id,
          variant: 'collab-first',
          customer_id: treated[1],
          product_ids: ['p2', 'p4', 'p1', 'p3'],
          strategies: ['collaborative', 'collaborative', 'repurchase', 'repurchase'],
        });
      });
    });
  });

  it('documents the routes with examples', async () => {
    const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/v1/experiments',
        '/v1/experiments/{id}',
        '/v1/experiments/{id}/start',
        '/v1/experiments/{id}/stop',
        '/v1/experiments/{id}/report',
        '/v1/feedback',
      ]),
    );
    expect(
      docs.paths['/v1/experiments/{id}/report'].get.responses['200'].content['application/json'].schema
        .example,
    ).toBeDefined();
    expect(docs.paths['/v1/feedback'].post.requestBody.content['application/json'].examples).toBeDefined();
  });
});
