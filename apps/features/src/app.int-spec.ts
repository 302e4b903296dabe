import { bootTestApp, type TestApp } from '@nextbuy/testing';
import { AppModule } from './app.module';

describe('features app', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootTestApp({ module: (env) => AppModule.forRoot(env) });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('GET /health checks Postgres and Redis', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      info: { postgres: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('GET /metrics exposes Prometheus text labelled with the app', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/process_cpu_user_seconds_total\{app="features"\}/);
  });

  it('serves nothing else', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /docs/json' });
  });
});

describe('features app without Redis', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Port 1: nothing listens there, so the connection is refused at once.
    t = await bootTestApp({
      module: (env) => AppModule.forRoot(env),
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('GET /health answers 503 naming Redis', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      statusCode: 503,
      message: expect.stringMatching(/^Not ready: redis \(/),
      details: { info: { postgres: { status: 'up' } }, error: { redis: { status: 'down' } } },
    });
  });
});
