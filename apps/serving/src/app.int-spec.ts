import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parseEnv } from '@nextbuy/config';
import { createHttpApp } from '@nextbuy/server';
import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import { AppModule, OPENAPI } from './app.module';

describe('serving app', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = parseEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      NEXTBUY_API_KEYS: 'it-read:read',
    });
    app = await createHttpApp(AppModule.forRoot(env), { env, openApi: OPENAPI });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('GET /health checks Postgres only (the Redis cache is optional)', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' } } });
    expect(res.json().info.redis).toBeUndefined();
  });

  it('GET /metrics and GET /docs/json need no key', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    const docs = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(docs.json()).toMatchObject({
      openapi: expect.stringMatching(/^3\./),
      info: { title: 'nextbuy serving' },
    });
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
