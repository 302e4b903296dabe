import {
  bootTestApp,
  fuzzRoutes,
  type OpenApiDocument,
  type TestApp,
  type TestHttpApp,
} from '@nextbuy/testing';
import { AppModule, OPENAPI } from './app.module';

/** Every route the app's OpenAPI document lists, with an admin key so requests reach validation. */
describe('ingestion routes under fuzzing (issue #15)', () => {
  let t: TestApp;
  let app: TestHttpApp;
  const exits: unknown[] = [];
  let exitSpy: jest.SpyInstance;

  beforeAll(async () => {
    t = await bootTestApp({
      module: (env) => AppModule.forRoot(env),
      env: { NEXTBUY_API_KEYS: 'fuzz-admin:admin', RATE_LIMIT_PER_MINUTE: '10000000' },
      openApi: OPENAPI,
    });
    ({ app } = t);
    exitSpy = jest.spyOn(process, 'exit').mockImplementation((code) => {
      exits.push(code);
      return undefined as never;
    });
  });

  afterAll(async () => {
    exitSpy?.mockRestore();
    await t?.close();
  });

  it('never answers 5xx and never exits', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<OpenApiDocument>();
    const results = await fuzzRoutes(
      doc,
      async (request) => {
        const res = await app.inject({ ...request, method: request.method as 'GET' });
        return { statusCode: res.statusCode, body: res.body };
      },
      { headers: { 'x-api-key': 'fuzz-admin' } },
    );
    expect(results.map((r) => r.route)).toEqual(
      expect.arrayContaining(['POST /v1/events', 'PUT /v1/products', 'GET /v1/rebuilds/{id}']),
    );
    expect(exits).toEqual([]);
    process.stdout.write(`${JSON.stringify({ app: 'ingestion', results })}\n`);
  });
});
