/**
 * Redis away: a rebuild or backtest cannot be queued. That is a dependency being away, so the
 * answer is 503 (try again), not 500, and it comes within the producer's wait, not never.
 */
import { bootTestApp, type TestApp } from '@nextbuy/testing';
import { AppModule } from '../app.module';

describe('rebuild and evaluation triggers without Redis (real Postgres)', () => {
  let t: TestApp;
  const ADMIN = { 'x-api-key': 'it-admin' };

  beforeAll(async () => {
    t = await bootTestApp({
      module: (env) => AppModule.forRoot(env),
      env: { NEXTBUY_API_KEYS: 'it-admin:admin', REDIS_URL: 'redis://127.0.0.1:1' },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 to POST /v1/rebuilds, and the build it could not queue does not block the next', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/rebuilds', headers: ADMIN, payload: {} });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(/queue|Redis/i),
    });
    const again = await t.app.inject({ method: 'POST', url: '/v1/rebuilds', headers: ADMIN, payload: {} });
    expect(again.statusCode).toBe(503);
  });

  it('answers 503 to POST /v1/evaluations', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/evaluations',
      headers: ADMIN,
      payload: { as_of: '2024-01-01T00:00:00Z' },
    });
    expect(res.statusCode).toBe(503);
  });
});
