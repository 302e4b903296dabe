import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootTestApp, type TestApp } from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { AppModule, OPENAPI } from './app.module';

const KEYS = 'it-read:read,it-write:write,it-admin:admin';
const WRITE = { 'x-api-key': 'it-write' };
const ADMIN = { 'x-api-key': 'it-admin' };
const BODY_LIMIT = 256 * 1024;

const ENV = { NEXTBUY_API_KEYS: KEYS, HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT) };

const event = (n: number, extra: Record<string, unknown> = {}) => ({
  customer_id: `c${n % 3}`,
  product_id: `p${n}`,
  type: 'view',
  timestamp: `2025-06-01T10:${String(n % 60).padStart(2, '0')}:00Z`,
  ...extra,
});

const expectErrorShape = (body: unknown, statusCode: number) =>
  expect(body).toEqual({
    statusCode,
    error: expect.any(String),
    message: expect.any(String),
    ...(body && typeof body === 'object' && 'details' in body ? { details: expect.anything() } : {}),
  });

describe('ingestion app', () => {
  let t: TestApp;
  let app: NestFastifyApplication;
  let sql: DataSource;

  beforeAll(async () => {
    t = await bootTestApp({ module: (env) => AppModule.forRoot(env), env: ENV, openApi: OPENAPI });
    ({ app, db: sql } = t);
  });

  afterAll(async () => {
    await t?.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = WRITE) =>
    app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const count = async (table: string) =>
    Number((await sql.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  describe('POST /v1/events', () => {
    const batch = [
      event(1, { event_id: 'e-1' }),
      event(2, { type: 'buy' }),
      event(3),
      event(4, { quantity: 2 }),
    ];

    it('stores the good items and names the bad one by index', async () => {
      const res = await post(batch);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({
        accepted: 3,
        duplicates: 0,
        rejected: [{ index: 1, errors: [expect.stringContaining('type must be one of')] }],
      });
      expect(await count('events')).toBe(3);
      // Unknown customers and products became stubs in the same statement.
      expect(await count('products')).toBe(3);
    });

    it('counts a re-sent batch as duplicates', async () => {
      const res = await post(batch);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ accepted: 0, duplicates: 3 });
      expect(await count('events')).toBe(3);
    });

    it('accepts an empty array as a no-op', async () => {
      const res = await post([]);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ accepted: 0, duplicates: 0, rejected: [] });
    });

    it('answers malformed JSON with 400 saying where', async () => {
      const res = await post('[{"customer_id": "c1",}]');
      expect(res.statusCode).toBe(400);
      expectErrorShape(res.json(), 400);
      expect(res.json().message).toMatch(/^Malformed JSON body: .+ at position 22 \(line 1, column 23\)$/);
    });

    it('answers a body that is not an array with 400', async () => {
      const res = await post(event(1));
      expect(res.statusCode).toBe(400);
      expectErrorShape(res.json(), 400);
      expect(res.json().message).toBe('Invalid request body: must be a JSON array of events (got an object)');
    });

    it('answers 413 above EVENTS_MAX_BATCH, saying the limit', async () => {
      const res = await post(Array.from({ length: 5001 }, () => ({})));
      expect(res.statusCode).toBe(413);
      expect(res.json()).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'Too many events: 5001 in one request, the limit is 5000; split the batch',
        details: { limit: 5000, received: 5001 },
      });
    });

    it('answers 413 for a body over HTTP_BODY_LIMIT_BYTES', async () => {
      const big = JSON.stringify(
        Array.from({ length: 1000 }, (_, i) => event(i, { session_id: 'x'.repeat(300) })),
      );
      expect(big.length).toBeGreaterThan(BODY_LIMIT);
      const res = await post(big);
      expect(res.statusCode).toBe(413);
      expectErrorShape(res.json(), 413);
      expect(res.json().message).toBe(
        `Request body is larger than the limit of ${BODY_LIMIT} bytes; send smaller batches`,
      );
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { ...WRITE, 'content-type': 'text/csv' },
        payload: 'customer_id,product_id\n1,2',
      });
      expect(res.statusCode).toBe(415);
      expectErrorShape(res.json(), 415);
    });
  });

  describe('API keys', () => {
    it('answers 401 without a key', async () => {
      const res = await post([], {});
      expect(res.statusCode).toBe(401);
      expectErrorShape(res.json(), 401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('answers 401 for an unknown key', async () => {
      expect((await post([], { 'x-api-key': 'guess' })).statusCode).toBe(401);
    });

    it('answers 403 for a read key', async () => {
      const res = await post([], { 'x-api-key': 'it-read' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'This API key has scope "read"; this route needs "write" or "admin"',
      });
    });

    it('accepts write and admin keys, in either header', async () => {
      expect((await post([], { authorization: 'Bearer it-write' })).statusCode).toBe(202);
      expect((await post([], { 'x-api-key': 'it-admin' })).statusCode).toBe(202);
    });
  });

  describe('PUT /v1/products and /v1/customers', () => {
    const put = (url: string, payload: unknown) =>
      app.inject({ method: 'PUT', url, headers: WRITE, payload: payload as object });

    it('upserts products and reports the bad ones', async () => {
      const res = await put('/v1/products', [
        { product_id: 'p1', name: 'Trail shoe', category: 'shoes', price: '89.5', colour: 'red' },
        { name: 'no id' },
        { product_id: 'p900', price: -3 },
        { product_id: 'p901', available: 'false' },
      ]);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        upserted: 2,
        inserted: 1,
        updated: 1,
        rejected: [
          { index: 1, errors: ['product_id is required'] },
          { index: 2, errors: ['price must be zero or more (got -3)'] },
        ],
      });
      const [p1] = await sql.query(
        `SELECT name, price, stub, attributes FROM products WHERE product_id = 'p1'`,
      );
      expect(p1).toEqual({ name: 'Trail shoe', price: 89.5, stub: false, attributes: { colour: 'red' } });
    });

    it('upserts customers and reports the bad ones', async () => {
      const res = await put('/v1/customers', [
        { customer_id: 'c1', segment: 'loyal', signup_date: '2023-03-14' },
        { customer_id: 'c77', signup_date: 'yesterday' },
        { customer_id: 'c78', newsletter: true },
      ]);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        upserted: 2,
        rejected: [{ index: 1, errors: [expect.stringContaining('signup_date must be an ISO 8601')] }],
      });
      const [c78] = await sql.query(`SELECT attributes FROM customers WHERE customer_id = 'c78'`);
      expect(c78.attributes).toEqual({ newsletter: true });
    });

    it('needs a write key', async () => {
      const res = await app.inject({
        method: 'PUT',
        url: '/v1/customers',
        headers: { 'x-api-key': 'it-read' },
        payload: [],
      });
      expect(res.statusCode).toBe(403);
    });
  });

  // Issue #15, defect 3: Postgres refuses NUL in text and jsonb, and a lone surrogate has no UTF-8
  // form; such an item is rejected naming its field, and the good items of its batch are stored.
  describe('text Postgres cannot store', () => {
    const put = (url: string, payload: unknown) =>
      app.inject({ method: 'PUT', url, headers: WRITE, payload: payload as object });

    it('rejects an event with NUL or a lone surrogate in any text field and stores the others', async () => {
      const before = await count('events');
      const res = await post([
        event(501, { customer_id: 'a\u0000b' }),
        event(502, { product_id: 'p\ud800' }),
        event(503, { session_id: 's\u0000' }),
        event(504, { order_id: '\udc00o' }),
        event(505, { event_id: 'e\u0000' }),
        event(506),
      ]);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({
        accepted: 1,
        duplicates: 0,
        rejected: [
          { index: 0, errors: ['customer_id contains a NUL character (U+0000)'] },
          { index: 1, errors: ['product_id contains a lone UTF-16 surrogate (not valid Unicode)'] },
          { index: 2, errors: ['session_id contains a NUL character (U+0000)'] },
          { index: 3, errors: ['order_id contains a lone UTF-16 surrogate (not valid Unicode)'] },
          { index: 4, errors: ['event_id contains a NUL character (U+0000)'] },
        ],
      });
      expect(await count('events')).toBe(before + 1);
    });

    it('rejects a product or customer with NUL or a lone surrogate in an id, field or attribute', async () => {
      const products = await put('/v1/products', [
        { product_id: 'p\u0000' },
        { product_id: 'p950', name: 'n\u0000' },
        { product_id: 'p951', colour: 're\u0000d' },
        { product_id: 'p952', colour: '\ud800' },
        { product_id: 'p953', attributes: { 'si\u0000ze': 'L' } },
        { product_id: 'p954', '\udfffkey': 1 },
        { product_id: 'p955', colour: 'blue' },
      ]);
      expect(products.statusCode).toBe(200);
      expect(products.json()).toEqual({
        upserted: 1,
        inserted: 1,
        updated: 0,
        rejected: [
          { index: 0, errors: ['product_id contains a NUL character (U+0000)'] },
          { index: 1, errors: ['name contains a NUL character (U+0000)'] },
          { index: 2, errors: ['attribute "colour" contains a NUL character (U+0000)'] },
          { index: 3, errors: ['attribute "colour" contains a lone UTF-16 surrogate (not valid Unicode)'] },
          { index: 4, errors: ['attribute name "si\\u0000ze" contains a NUL character (U+0000)'] },
          {
            index: 5,
            errors: ['attribute name "\\udfffkey" contains a lone UTF-16 surrogate (not valid Unicode)'],
          },
        ],
      });
      const customers = await put('/v1/customers', [
        { customer_id: 'c\ud800' },
        { customer_id: 'c950', segment: 's\u0000' },
        { customer_id: 'c951', note: 'x\u0000' },
        { customer_id: 'c952', note: 'fine' },
      ]);
      expect(customers.statusCode).toBe(200);
      expect(customers.json()).toMatchObject({
        upserted: 1,
        rejected: [
          { index: 0, errors: ['customer_id contains a lone UTF-16 surrogate (not valid Unicode)'] },
          { index: 1, errors: ['segment contains a NUL character (U+0000)'] },
          { index: 2, errors: ['attribute "note" contains a NUL character (U+0000)'] },
        ],
      });
    });
  });

  // Issue #15, defect 5: an id past bigint's range made Postgres fail the query (500).
  describe('ids of builds and evaluations', () => {
    it.each(['9223372036854775808', '99999999999999999999', '-1', '0', '1e3', 'abc', '1%00'])(
      'answer %s with 404 in the error shape',
      async (id) => {
        for (const what of ['rebuilds', 'evaluations']) {
          const res = await app.inject({ method: 'GET', url: `/v1/${what}/${id}`, headers: ADMIN });
          expect(res.statusCode).toBe(404);
          expectErrorShape(res.json(), 404);
        }
      },
    );
  });

  describe('operations', () => {
    it('GET /health answers 200 with Postgres up, without a key', async () => {
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' } } });
    });

    it('GET /metrics exposes Prometheus text', async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('process_cpu_user_seconds_total');
      expect(res.body).toMatch(
        /http_request_duration_seconds_count\{app="ingestion",method="POST",route="\/v1\/events",status_code="202"\} \d+/,
      );
    });

    it('GET /docs/json is OpenAPI with the events route and its schemas', async () => {
      const res = await app.inject({ method: 'GET', url: '/docs/json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toMatch(/^3\./);
      const op = doc.paths['/v1/events'].post;
      expect(op.requestBody.content['application/json'].schema).toMatchObject({
        type: 'array',
        items: { type: 'object', required: ['customer_id', 'product_id', 'type', 'timestamp'] },
      });
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '403', '413']));
      expect(doc.paths['/v1/products'].put).toBeDefined();
      expect(doc.components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', name: 'x-api-key' });
      expect(doc.paths['/metrics']).toBeUndefined();
    });

    it('GET /docs serves Swagger UI', async () => {
      const res = await app.inject({ method: 'GET', url: '/docs' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('/docs/json');
      const bundle = await app.inject({ method: 'GET', url: '/docs/swagger-ui-bundle.js' });
      expect(bundle.statusCode).toBe(200);
    });

    it('answers an unknown route with 404 in the error shape', async () => {
      const res = await app.inject({ method: 'GET', url: '/v2/nothing' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /v2/nothing' });
    });
  });
});

describe('ingestion app without Postgres', () => {
  let t: TestApp;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    // Port 1: nothing listens there, so every connection is refused at once.
    t = await bootTestApp({
      module: (env) => AppModule.forRoot(env),
      env: { ...ENV, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nextbuy' },
    });
    app = t.app;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('still boots: /health answers 503 naming Postgres, /health/live 200', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    // Issue #15, defect 8: a stable reason code, never the driver's message (hosts, ports, errors).
    const body = res.json();
    expect(body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Not ready: postgres (not_connected)',
      details: { status: 'error' },
    });
    expect(body.details.error).toEqual({ postgres: { status: 'down', reason: 'not_connected' } });
    expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('answers requests that need the database with 503, not 500', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: WRITE,
      payload: [event(1)],
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Database unavailable; try again shortly',
    });
  });
});
