import { bootTestApp, type TestApp } from '@nextbuy/testing';
import { AppModule, OPENAPI } from './app.module';

describe('serving app', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootTestApp({
      module: (env) => AppModule.forRoot(env),
      env: { NEXTBUY_API_KEYS: 'it-read:read' },
      openApi: OPENAPI,
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('GET /health checks Postgres only (the Redis cache is optional)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' } } });
    expect(res.json().info.redis).toBeUndefined();
  });

  it('GET /metrics and GET /docs/json need no key', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    const docs = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(docs.json()).toMatchObject({
      openapi: expect.stringMatching(/^3\./),
      info: { title: 'nextbuy serving' },
    });
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
