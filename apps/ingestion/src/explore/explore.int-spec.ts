import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parseEnv } from '@nextbuy/config';
import type {
  CustomerEventsResponse,
  CustomerView,
  KeyView,
  ProductView,
  RollbackResult,
  StatusView,
} from '@nextbuy/contracts';
import { BuildRepository } from '@nextbuy/db';
import { createHttpApp } from '@nextbuy/server';
import {
  clearRedisPrefix,
  createTestDatabase,
  TEST_REDIS_URL,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@nextbuy/testing';
import { DataSource } from 'typeorm';
import { AppModule, OPENAPI } from '../app.module';

const READ = { 'x-api-key': 'ex-read' };
const OPS = { 'x-api-key': 'ex-ops' };
const ADMIN = { 'x-api-key': 'ex-admin' };

describe('ingestion: operator reads, rollback and Bull Board', () => {
  let db: TestDatabase;
  let prefix: string;
  let app: NestFastifyApplication;

  const get = (url: string, headers: Record<string, string> = READ) =>
    app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = uniqueQueuePrefix();
    const env = parseEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      NEXTBUY_API_KEYS: 'ex-read:read,ex-write:write,ex-ops:ops,ex-admin:admin',
    });
    app = await createHttpApp(AppModule.forRoot(env), { env, openApi: OPENAPI });
    const now = Date.now();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: ADMIN,
      payload: [
        { customer_id: 'ann', product_id: 'mug', type: 'purchase', timestamp: '2011-06-01T10:00:00Z' },
        { customer_id: 'bob', product_id: 'mug', type: 'purchase', timestamp: '2011-06-02T10:00:00Z' },
        {
          customer_id: 'ann',
          product_id: 'tea',
          type: 'view',
          timestamp: new Date(now - 3_600_000).toISOString(),
        },
      ],
    });
    expect(res.statusCode).toBe(202);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await clearRedisPrefix(prefix);
  });

  it('tells a client its key’s scope, never the key', async () => {
    expect((await get('/v1/keys/me')).json<KeyView>()).toEqual({
      id: expect.stringMatching(/^env:/),
      scope: 'read',
    });
    expect((await get('/v1/keys/me', ADMIN)).json<KeyView>().scope).toBe('admin');
    expect((await get('/v1/keys/me', OPS)).json<KeyView>().scope).toBe('ops');
    expect((await get('/v1/keys/me', {})).statusCode).toBe(401);
    expect((await get('/v1/keys/me', { 'x-api-key': 'wrong' })).json()).toMatchObject({
      statusCode: 401,
      message: 'Invalid API key',
    });
  });

  it('answers the status: counts, recent events, builds and queue depths', async () => {
    const status = (await get('/v1/status')).json<StatusView>();
    expect(status.counts).toEqual({ customers: 2, products: 2, events: 3, events_24h: 1, events_7d: 1 });
    expect(status.estimated_counts).toEqual([]);
    expect(status.active_build).toBeNull();
    expect(status.builds_in_flight).toEqual([]);
    expect(Object.keys(status.queues ?? {}).sort()).toEqual([
      'candidates',
      'features',
      'realtime',
      'schedule',
    ]);
    expect(status.queues!.realtime).toMatchObject({ waiting: expect.any(Number), failed: 0 });
  });

  it('describes a customer, their history and look-alikes; 404 for an unknown one', async () => {
    expect((await get('/v1/customers/ann')).json<CustomerView>().event_counts).toEqual({
      purchase: 1,
      view: 1,
    });
    const history = (await get('/v1/customers/ann/events?limit=1', OPS)).json<CustomerEventsResponse>();
    expect(history.events.map((e) => e.product_id)).toEqual(['tea']);
    expect((await get('/v1/customers/ann/similar')).json()).toEqual({
      customer_id: 'ann',
      customers: [{ customer_id: 'bob', shared_products: 1, similarity: 1 }],
    });
    const missing = await get('/v1/customers/zed/events', ADMIN);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('customer "zed" does not exist');
    expect((await get('/v1/customers/ann/events?limit=0', OPS)).statusCode).toBe(400);
  });

  it('keeps a customer’s history from read and write keys: ops or admin only', async () => {
    const refused = await get('/v1/customers/ann/events');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toBe('This API key has scope "read"; this route needs "ops" or "admin"');
    expect((await get('/v1/customers/ann/events', { 'x-api-key': 'ex-write' })).statusCode).toBe(403);
    // Everything else an operator reads stays open to read keys (ops covers read).
    for (const url of ['/v1/status', '/v1/customers/ann', '/v1/customers/ann/similar', '/v1/products/mug'])
      expect({ url, read: (await get(url)).statusCode, ops: (await get(url, OPS)).statusCode }).toEqual({
        url,
        read: 200,
        ops: 200,
      });
    // ops changes nothing.
    const post = await app.inject({ method: 'POST', url: '/v1/events', headers: OPS, payload: [] });
    expect(post.statusCode).toBe(403);
    expect(post.json().message).toBe('This API key has scope "ops"; this route needs "write" or "admin"');
  });

  it('describes a product with its daily activity', async () => {
    const mug = (await get('/v1/products/mug?days=30')).json<ProductView>();
    expect(mug.popularity).toEqual([
      { day: '2011-06-01', counts: { purchase: 1 } },
      { day: '2011-06-02', counts: { purchase: 1 } },
    ]);
    expect((await get('/v1/products/nope')).statusCode).toBe(404);
    expect((await get('/v1/products/mug?days=abc')).statusCode).toBe(400);
  });

  it('rolls back to a kept build (admin only), and refuses one that never published', async () => {
    const builds = new BuildRepository(app.get(DataSource));
    const publish = async () => {
      const b = await builds.create({ asOf: null, trigger: 'test', config: {} });
      await builds.markRunning(b.id, new Date());
      await builds.publish(b.id);
      return b.id;
    };
    const first = await publish();
    const second = await publish();
    const rollback = (id: string, headers = ADMIN) =>
      app.inject({ method: 'POST', url: `/v1/rebuilds/${id}/rollback`, headers });

    expect((await rollback(first, READ)).statusCode).toBe(403);
    const res = await rollback(first);
    expect(res.statusCode).toBe(200);
    expect(res.json<RollbackResult>()).toMatchObject({
      build: { build_id: first, active: true },
      replaced: second,
    });
    expect((await get(`/v1/rebuilds/${second}`)).json()).toMatchObject({ status: 'superseded' });
    expect((await rollback(first)).json<RollbackResult>().replaced).toBeNull();

    const failed = await builds.create({ asOf: null, trigger: 'test', config: {} });
    await builds.fail(failed.id, 'boom');
    const refused = await rollback(failed.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/only a superseded build .* \(build \d+ is failed\)/);
    expect((await rollback('424242')).statusCode).toBe(404);
  });

  it('opens Bull Board to admin keys only', async () => {
    const anonymous = await get('/queues', {});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().message).toMatch(/Missing API key/);
    expect((await get('/queues', READ)).statusCode).toBe(403);
    expect((await get('/queues/api/queues', { 'x-api-key': 'ex-write' })).statusCode).toBe(403);
    const page = await get('/queues', ADMIN);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const api = await get('/queues/api/queues', ADMIN);
    expect(api.statusCode).toBe(200);
    expect(api.json<{ queues: { name: string }[] }>().queues.map((q) => q.name)).toEqual(
      expect.arrayContaining(['features', 'candidates', 'realtime']),
    );
  });

  it('opens Bull Board read-only to ops keys at /queues/view, and the full board to admin only', async () => {
    expect((await get('/queues', OPS)).statusCode).toBe(403);
    expect((await get('/queues/view', READ)).statusCode).toBe(403);
    expect((await get('/queues/view', { 'x-api-key': 'ex-write' })).statusCode).toBe(403);
    const page = await get('/queues/view', OPS);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const api = await get('/queues/view/api/queues', OPS);
    expect(api.statusCode).toBe(200);
    const queues = api.json<{ queues: { name: string; readOnlyMode: boolean }[] }>().queues;
    expect(queues.map((q) => q.name)).toEqual(expect.arrayContaining(['features', 'candidates', 'realtime']));
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);
    // Every action of the read-only board is refused by Bull Board itself.
    const retry = await app.inject({
      method: 'PUT',
      url: '/queues/view/api/queues/realtime/retry/failed',
      headers: OPS,
    });
    expect(retry.statusCode).toBe(405);
    expect((await get('/queues/view', ADMIN)).statusCode).toBe(200);
  });
});
