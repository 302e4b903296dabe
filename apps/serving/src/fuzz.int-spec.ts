import { Logger } from '@nestjs/common';
import { GLOBAL_POPULAR_KEY, type RankedItem } from '@nextbuy/contracts';
import {
  bootTestApp,
  fuzzRoutes,
  type OpenApiDocument,
  publishTestBuild,
  type TestApp,
  type TestHttpApp,
} from '@nextbuy/testing';
import { DataSource } from 'typeorm';
import { AppModule, OPENAPI } from './app.module';
import { FeedbackService } from './feedback/feedback.service';
import { RecommendationLogService } from './feedback/recommendation-log.service';

const item = (productId: string, rank: number): RankedItem => ({
  product_id: productId,
  name: productId,
  category: 'x',
  score: 1 / rank,
  rank,
  strategy: 'popular',
  reasons: [],
});

/**
 * Every route the app's OpenAPI document lists, with an admin key so requests reach validation,
 * against a published build (a 503 "no build yet" would hide the routes' own answers).
 */
describe('serving routes under fuzzing (issue #15)', () => {
  let t: TestApp;
  let app: TestHttpApp;
  const exits: unknown[] = [];
  let exitSpy: jest.SpyInstance;
  let warnSpy: jest.SpyInstance;

  beforeAll(async () => {
    t = await bootTestApp({
      module: (env) => AppModule.forRoot(env),
      env: { NEXTBUY_API_KEYS: 'fuzz-admin:admin', RATE_LIMIT_PER_MINUTE: '10000000' },
      openApi: OPENAPI,
    });
    ({ app } = t);
    const sql = app.get(DataSource);
    await sql.query(`INSERT INTO products (product_id, name) VALUES ('p1', 'p1'), ('p2', 'p2')`);
    await publishTestBuild(sql, {
      customers: [{ customer_id: 'c1', items: [item('p1', 1), item('p2', 2)] }],
      itemLists: {
        popular: [{ key: GLOBAL_POPULAR_KEY, items: [item('p2', 1)] }],
        similar: [{ key: 'p1', items: [item('p2', 1)] }],
      },
    });
    exitSpy = jest.spyOn(process, 'exit').mockImplementation((code) => {
      exits.push(code);
      return undefined as never;
    });
    warnSpy = jest.spyOn(Logger.prototype, 'warn');
  });

  afterAll(async () => {
    exitSpy?.mockRestore();
    warnSpy?.mockRestore();
    await t?.close();
  });

  it('never answers 5xx, never exits, and every logged answer and feedback reaches Postgres', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<OpenApiDocument>();
    const results = await fuzzRoutes(
      doc,
      async (request) => {
        const res = await app.inject({ ...request, method: request.method as 'GET' });
        return { statusCode: res.statusCode, body: res.body };
      },
      // MCP's streamable HTTP transport answers JSON-RPC only to clients that accept both.
      { headers: { 'x-api-key': 'fuzz-admin', accept: 'application/json, text/event-stream' } },
    );
    expect(results.map((r) => r.route)).toEqual(
      expect.arrayContaining([
        'GET /v1/customers/{id}/recommendations',
        'GET /v1/products/{id}/similar',
        'POST /v1/feedback',
        'POST /v1/experiments',
      ]),
    );
    // The write-behind buffers hold what the fuzzed requests logged: writing them must not fail.
    await app.get(RecommendationLogService).flush();
    await app.get(FeedbackService).flush();
    expect(warnSpy.mock.calls.filter(([m]) => /Cannot write to Postgres/.test(String(m)))).toEqual([]);
    expect(exits).toEqual([]);
    process.stdout.write(`${JSON.stringify({ app: 'serving', results })}\n`);
  });
});
