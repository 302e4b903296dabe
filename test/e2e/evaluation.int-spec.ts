/**
 * Backtests through the API: ingestion stores a queued evaluation and queues `evaluation.run`, the
 * features app (booted in-process, real Redis queues) fills it, and GET returns the stored report.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EvaluationView } from '@nextbuy/contracts';
import { AppModule as FeaturesApp } from '../../apps/features/src/app.module';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';
import { startStack, type E2eStack } from './stack';

jest.setTimeout(60_000);

const ADMIN = { 'x-api-key': 'e2e-admin' };
const WRITE = { 'x-api-key': 'e2e-write' };

describe('evaluations through the API (real Postgres, Redis and queues)', () => {
  let stack: E2eStack;
  let ingestion: NestFastifyApplication;

  const get = async (id: string): Promise<{ status: number; body: EvaluationView }> => {
    const res = await ingestion.inject({ method: 'GET', url: `/v1/evaluations/${id}`, headers: ADMIN });
    return { status: res.statusCode, body: res.json() };
  };

  const waitFor = async (id: string, timeoutMs = 30_000): Promise<EvaluationView> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await get(id);
      if (body.status === 'done' || body.status === 'failed') return body;
      if (Date.now() > until) throw new Error(`evaluation ${id} is still ${body.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const post = (payload: unknown, headers = ADMIN) =>
    ingestion.inject({ method: 'POST', url: '/v1/evaluations', headers, payload: payload as object });

  beforeAll(async () => {
    stack = await startStack('e2e-admin:admin,e2e-write:write');
    // The features app works the queue; the stack closes it.
    [ingestion] = await Promise.all([stack.bootApp(IngestionApp), stack.bootApp(FeaturesApp)]);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('runs a backtest as a job and serves the stored report', async () => {
    const res = await post({ as_of: '2011-11-01T00:00:00Z', horizon_days: 20, k: 6 });
    expect(res.statusCode).toBe(202);
    const { evaluation_id: id } = res.json() as { evaluation_id: string };
    expect(id).toMatch(/^\d+$/);
    const done = await waitFor(id);
    expect(done).toMatchObject({
      evaluation_id: id,
      status: 'done',
      as_of: '2011-11-01T00:00:00.000Z',
      horizon_days: 20,
      k: 6,
      error: null,
    });
    expect(done.finished_at).not.toBeNull();
    expect(done.report!.customers).toBeGreaterThan(10);
    expect(done.report!.rows[0]).toMatchObject({ method: 'engine (gbdt ranker)', metrics: { k: 6 } });
    expect(done.report!.rows.some((r) => r.method === 'popularity, last 30 days')).toBe(true);

    const list = await ingestion.inject({ method: 'GET', url: '/v1/evaluations', headers: ADMIN });
    expect(list.statusCode).toBe(200);
    expect((list.json() as EvaluationView[]).map((e) => e.evaluation_id)).toContain(id);
  });

  it('records a horizon without purchases as a failed evaluation', async () => {
    const res = await post({ as_of: '2012-06-01T00:00:00Z' });
    expect(res.statusCode).toBe(202);
    const failed = await waitFor((res.json() as { evaluation_id: string }).evaluation_id);
    expect(failed).toMatchObject({ status: 'failed', report: null, horizon_days: 30, k: 12 });
    expect(failed.error).toMatch(/no purchases between/);
  });

  it('answers 400 for bad input, 404 for an unknown id, 403 without the admin scope', async () => {
    for (const body of [
      {},
      { as_of: 'yesterday' },
      { as_of: '2011-11-01T00:00:00Z', k: 0 },
      { as_of: '2011-11-01T00:00:00Z', horizon_days: 'x' },
      { as_of: '2011-11-01T00:00:00Z', extra: 1 },
    ]) {
      expect((await post(body)).statusCode).toBe(400);
    }
    expect((await get('999999')).status).toBe(404);
    expect((await get('not-a-number')).status).toBe(404);
    expect((await post({ as_of: '2011-11-01T00:00:00Z' }, WRITE)).statusCode).toBe(403);
  });
});
