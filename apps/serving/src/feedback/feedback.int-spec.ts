import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootTestApp, type TestApp } from '@nextbuy/testing';
import { randomUUID } from 'node:crypto';
import { AppModule, OPENAPI } from '../app.module';
import type { ServingConfig } from '../serving.config';
import { FeedbackService } from './feedback.service';

const READ = { 'x-api-key': 'it-read' };
/** Writes happen when a test flushes (or the app closes). */
const MANUAL: Partial<ServingConfig> = {
  buildPollIntervalMs: 600_000,
  experimentPollIntervalMs: 600_000,
  logFlushIntervalMs: 600_000,
  feedbackMaxBatch: 5,
};

const KEYS = { NEXTBUY_API_KEYS: 'it-read:read,it-admin:admin' };

const event = (over: Record<string, unknown> = {}) => ({
  recommendation_id: randomUUID(),
  customer_id: 'c1',
  product_id: 'p1',
  type: 'click',
  ...over,
});

describe('POST /v1/feedback (serving, real Postgres)', () => {
  let t: TestApp;
  let app: NestFastifyApplication;

  const post = (payload: unknown, headers: Record<string, string> = READ, on = app) =>
    on.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(payload),
    });
  const stored = (recommendationId: string) =>
    t.db.query<{ product_id: string; type: string; customer_id: string }[]>(
      `SELECT product_id, type, customer_id FROM feedback WHERE recommendation_id = $1 ORDER BY type`,
      [recommendationId],
    );

  beforeAll(async () => {
    t = await bootTestApp({ module: (env) => AppModule.forRoot(env, MANUAL), env: KEYS, openApi: OPENAPI });
    app = t.app;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('accepts one event with a read key, answers 202 and writes it in the next batch', async () => {
    const one = event({ customer_id: 42, type: 'impression' });
    const res = await post(one);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, rejected: [] });
    expect(await stored(one.recommendation_id)).toEqual([]);
    await app.get(FeedbackService).flush();
    expect(await stored(one.recommendation_id)).toEqual([
      { product_id: 'p1', type: 'impression', customer_id: '42' },
    ]);
  });

  it('accepts an array, lists invalid items by index, and stores a repeat once', async () => {
    const id = randomUUID();
    const res = await post([
      event({ recommendation_id: id, type: 'impression' }),
      event({ recommendation_id: id, type: 'click' }),
      event({ recommendation_id: id, type: 'click' }),
      event({ recommendation_id: id, type: 'like' }),
      { recommendation_id: 'nope', product_id: 'p1', type: 'purchase' },
    ]);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({
      accepted: 3,
      rejected: [
        { index: 3, errors: ['type must be one of impression, click, add_to_cart, purchase (got "like")'] },
        {
          index: 4,
          errors: [
            'recommendation_id must be the UUID a recommendations answer carried',
            'customer_id is required',
          ],
        },
      ],
    });
    await app.get(FeedbackService).flush();
    expect((await stored(id)).map((r) => r.type)).toEqual(['click', 'impression']);
  });

  it('accepts an empty array (202 with zeros)', async () => {
    const res = await post([]);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 0, rejected: [] });
  });

  it.each([
    [
      event({ type: 'like' }),
      'Invalid feedback: type must be one of impression, click, add_to_cart, purchase (got "like")',
    ],
    [{ ...event(), customer_id: undefined }, 'Invalid feedback: customer_id is required'],
    [event({ product_id: { id: 1 } }), 'Invalid feedback: product_id must be a string (got an object)'],
    [event({ extra: true }), 'Invalid feedback: Unrecognized key: "extra"'],
    ['click', 'Invalid feedback: the body must be a feedback object or a JSON array of them (got a string)'],
    [null, 'Invalid feedback: the body must be a feedback object or a JSON array of them (got null)'],
  ])('answers the single event %j with a precise 400', async (body, message) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message });
  });

  it('answers malformed JSON with 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: { ...READ, 'content-type': 'application/json' },
      payload: '{"recommendation_id": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^Malformed JSON body/);
  });

  it('answers more events than the limit with 413', async () => {
    const res = await post(Array.from({ length: 6 }, () => event()));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Too many feedback events: 6 in one request, the limit is 5; split the batch',
      details: { limit: 5, received: 6 },
    });
  });

  it('answers 401 without a key or with an unknown one', async () => {
    expect((await post(event(), {})).statusCode).toBe(401);
    expect((await post(event(), { 'x-api-key': 'guess' })).statusCode).toBe(401);
    expect((await post(event(), { 'x-api-key': 'it-admin' })).statusCode).toBe(202);
  });

  it('answers 503 once the buffer is full (as while Postgres is away), and never loses what it accepted', async () => {
    const small = await t.boot({
      module: (env) => AppModule.forRoot(env, { ...MANUAL, logMaxBufferedRows: 3 }),
    });
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    try {
      expect(
        (
          await post(
            ids.map((id) => event({ recommendation_id: id })),
            READ,
            small,
          )
        ).statusCode,
      ).toBe(202);
      const full = await post(event(), READ, small);
      expect(full.statusCode).toBe(503);
      expect(full.json().message).toBe(
        'feedback cannot be stored right now (Postgres is unreachable and the buffer is full); retry later',
      );
    } finally {
      // Closing writes out what is buffered before the pool closes.
      await t.closeApp(small);
    }
    for (const id of ids) expect(await stored(id)).toHaveLength(1);
  });
});
