import { bootTestApp, type TestApp } from '@nextbuy/testing';
import { AppModule } from './app.module';

describe('candidates app', () => {
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
    expect(res.body).toMatch(/process_cpu_user_seconds_total\{app="candidates"\}/);
  });

  it('serves nothing else', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /docs/json' });
  });
});
