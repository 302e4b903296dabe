import { NextbuyApiError, NextbuyClient } from '@nextbuy/client';
import { ApiKeyRepository } from '@nextbuy/db';
import {
  bootTestApp,
  createTestContext,
  publishTestBuild,
  type TestContext,
  uniqueQueuePrefix,
} from '@nextbuy/testing';
import { AppModule, OPENAPI } from './app.module';
import { RecommendationsService } from './recommendations/recommendations.service';

const CLOSED_REDIS_URL = 'redis://127.0.0.1:1';

/**
 * Stored keys, rate limits, CORS, body limits and error hygiene of the serving app, over real HTTP
 * through `@nextbuy/client`.
 */
describe('serving security', () => {
  let t: TestContext;

  /** An app's variables: a queue prefix of its own (so rate limits of their own), unless shared. */
  const env = (over: Record<string, string> = {}): Record<string, string> => ({
    QUEUE_PREFIX: uniqueQueuePrefix(),
    ...over,
  });

  /** A serving app listening on a free port, and a client factory for it. */
  const start = async (variables: Record<string, string>) => {
    const app = await t.boot({ module: (e) => AppModule.forRoot(e), env: variables, openApi: OPENAPI });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = await app.getUrl();
    return { app, baseUrl, client: (apiKey?: string) => new NextbuyClient({ baseUrl, apiKey }) };
  };

  /** The error a call ends with (the test fails when it succeeds). */
  const failure = (p: Promise<unknown>): Promise<NextbuyApiError> =>
    p.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (e: unknown) => e as NextbuyApiError,
    );

  const statusOf = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (e: unknown) => (e instanceof NextbuyApiError ? e.status : -1),
    );

  beforeAll(async () => {
    t = await createTestContext({ NEXTBUY_API_KEYS: 'sec-read:read,sec-admin:admin' });
    await t.db.query(`INSERT INTO products (product_id, name, category) VALUES ('p1', 'Shoe', 'shoes')`);
    await publishTestBuild(t.db, {
      itemLists: {
        popular: [
          {
            key: '*',
            items: [
              {
                product_id: 'p1',
                name: 'Shoe',
                category: 'shoes',
                score: 1,
                rank: 1,
                strategy: 'popular',
                reasons: [],
              },
            ],
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('stored API keys', () => {
    let keys: ApiKeyRepository;
    let base: Awaited<ReturnType<typeof start>>;

    beforeAll(async () => {
      // No cache: a revocation must be seen by the next request.
      base = await start(env({ API_KEY_CACHE_SECONDS: '0' }));
      keys = new ApiKeyRepository(t.db);
    });

    it('are stored hashed, and accepted with their scope', async () => {
      const { key, row } = await keys.create('storefront', 'read');
      expect(key).toMatch(/^nb_[A-Za-z0-9_-]{43}$/);
      expect(row).toMatchObject({ name: 'storefront', scope: 'read', revoked_at: null });
      expect(key.startsWith(row.key_prefix)).toBe(true);
      const stored = await t.db.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [row.id]);
      expect((stored[0].key_hash as Buffer).toString('hex')).not.toContain(Buffer.from(key).toString('hex'));

      const res = await base.client(key).recommendations('c-new');
      expect(res.items.map((i) => i.product_id)).toEqual(['p1']);
      const [used] = await keys.list();
      expect(used!.last_used_at).toBeInstanceOf(Date);
      // A read key is refused where write is needed (the MCP route needs read: use an admin-only check).
      const admin = await keys.create('ops', 'admin');
      expect(await statusOf(base.client(admin.key).similar('p1'))).toBe(200);
    });

    it('stop working once revoked', async () => {
      const { key, row } = await keys.create('old storefront', 'read');
      expect(await statusOf(base.client(key).similar('p1'))).toBe(200);
      expect((await keys.revoke(row.id))?.revoked_at).toBeInstanceOf(Date);
      const error = await failure(base.client(key).similar('p1'));
      expect(error).toMatchObject({ status: 401, body: { message: 'Invalid API key' } });
      expect(await keys.revoke('999999')).toBeNull();
    });

    it('are cached for API_KEY_CACHE_SECONDS: a revoked key works until its lookup expires', async () => {
      const cached = await start(env({ API_KEY_CACHE_SECONDS: '60' }));
      const { key, row } = await keys.create('cached', 'read');
      expect(await statusOf(cached.client(key).similar('p1'))).toBe(200);
      await keys.revoke(row.id);
      expect(await statusOf(cached.client(key).similar('p1'))).toBe(200);
      expect(await statusOf(base.client(key).similar('p1'))).toBe(401);
    });

    it('accept an ops key wherever read is enough, and refuse it where admin is needed', async () => {
      const { key, row } = await keys.create('console', 'ops');
      expect(row.scope).toBe('ops');
      const ops = base.client(key);
      expect(await statusOf(ops.similar('p1'))).toBe(200);
      expect(await statusOf(ops.recommendations('c-new'))).toBe(200);
      expect(await statusOf(ops.experiments())).toBe(200);
      const refused = await failure(ops.createExperiment({ name: 'x', variants: [{ name: 'a', share: 1 }] }));
      expect(refused).toMatchObject({
        status: 403,
        body: { message: 'This API key has scope "ops"; this route needs "admin"' },
      });
    });

    it('keep answering 401 for unknown keys and 403 for a weaker scope', async () => {
      expect(await statusOf(base.client('nb_made-up').similar('p1'))).toBe(401);
      expect(await statusOf(base.client().similar('p1'))).toBe(401);
    });
  });

  describe('rate limits', () => {
    it('answer 429 with Retry-After and the error body once a key spends its minute', async () => {
      const { client, baseUrl } = await start(env({ RATE_LIMIT_PER_MINUTE: '3' }));
      const reader = client('sec-read');
      for (let i = 0; i < 3; i++) expect(await statusOf(reader.similar('p1'))).toBe(200);
      const limited = await failure(reader.similar('p1'));
      expect(limited).toBeInstanceOf(NextbuyApiError);
      expect(limited.status).toBe(429);
      expect(limited.retryAfterSeconds).toBeGreaterThan(0);
      expect(limited.retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(limited.body).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: expect.stringMatching(
          /^Rate limit of 3 requests per minute exceeded; retry in (\d+ seconds?|1 minute)$/,
        ),
        details: { limit: 3, retry_after_seconds: limited.retryAfterSeconds },
      });
      // Every route counts against the same key; another key has its own minute.
      expect(await statusOf(reader.recommendations('c1'))).toBe(429);
      expect(await statusOf(client('sec-admin').recommendations('c1'))).toBe(200);
      // Probes are never limited.
      const health = await fetch(`${baseUrl}/health/live`);
      expect(health.status).toBe(200);
    });

    it('count requests without a valid key per client IP', async () => {
      const { client } = await start(env({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '2' }));
      expect(await statusOf(client('guess-1').similar('p1'))).toBe(401);
      expect(await statusOf(client().similar('p1'))).toBe(401);
      // The third try from this IP is limited whatever key it makes up.
      expect(await statusOf(client('guess-2').similar('p1'))).toBe(429);
      expect(await statusOf(client('sec-read').similar('p1'))).toBe(200);
    });

    it('are shared by replicas through Redis', async () => {
      const shared = env({ RATE_LIMIT_PER_MINUTE: '4' });
      const one = await start(shared);
      const two = await start(shared);
      expect(await statusOf(one.client('sec-read').similar('p1'))).toBe(200);
      expect(await statusOf(two.client('sec-read').similar('p1'))).toBe(200);
      expect(await statusOf(one.client('sec-read').similar('p1'))).toBe(200);
      expect(await statusOf(two.client('sec-read').similar('p1'))).toBe(200);
      expect(await statusOf(one.client('sec-read').similar('p1'))).toBe(429);
      expect(await statusOf(two.client('sec-read').similar('p1'))).toBe(429);
    });

    it('count in memory while Redis is away, never failing a request', async () => {
      const { client } = await start(env({ REDIS_URL: CLOSED_REDIS_URL, RATE_LIMIT_PER_MINUTE: '2' }));
      expect(await statusOf(client('sec-read').similar('p1'))).toBe(200);
      expect(await statusOf(client('sec-read').similar('p1'))).toBe(200);
      expect(await statusOf(client('sec-read').similar('p1'))).toBe(429);
    });
  });

  describe('CORS', () => {
    const preflight = (baseUrl: string, origin: string) =>
      fetch(`${baseUrl}/v1/customers/c1/recommendations`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'x-api-key',
        },
      });

    it('answers configured storefront origins only', async () => {
      const { baseUrl } = await start(env({ CORS_ORIGINS: 'https://shop.example.com' }));
      const ok = await preflight(baseUrl, 'https://shop.example.com');
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(ok.headers.get('access-control-allow-headers')).toMatch(/x-api-key/);
      const get = await fetch(`${baseUrl}/v1/products/p1/similar`, {
        headers: { origin: 'https://shop.example.com', 'x-api-key': 'sec-read' },
      });
      expect(get.status).toBe(200);
      expect(get.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(get.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
      const other = await preflight(baseUrl, 'https://evil.example.com');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('sends no CORS headers when no origin is configured', async () => {
      const { baseUrl } = await start(env());
      const res = await fetch(`${baseUrl}/v1/products/p1/similar`, {
        headers: { origin: 'https://shop.example.com', 'x-api-key': 'sec-read' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('errors', () => {
    it('answers a body over HTTP_BODY_LIMIT_BYTES with 413 naming the limit', async () => {
      const { baseUrl } = await start(env({ HTTP_BODY_LIMIT_BYTES: '1024' }));
      const res = await fetch(`${baseUrl}/mcp`, {
        method: 'POST',
        headers: {
          'x-api-key': 'sec-read',
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(2000) } }),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'Request body is larger than the limit of 1024 bytes; send smaller batches',
      });
    });

    it('answers an unexpected failure with 500 and no internals', async () => {
      const { client } = await start(env());
      const spy = jest
        .spyOn(RecommendationsService.prototype, 'forProduct')
        .mockRejectedValue(new Error('relation "secret_table" does not exist'));
      try {
        const error = await failure(client('sec-read').similar('p1'));
        expect(error.status).toBe(500);
        expect(error.body).toEqual({
          statusCode: 500,
          error: 'Internal Server Error',
          message: 'Internal server error',
        });
        expect(JSON.stringify(error.body)).not.toMatch(/secret|at .*\.ts/);
      } finally {
        spy.mockRestore();
      }
    });
  });
});

describe('serving OpenAPI', () => {
  it('documents every route with examples, the rate limit, and POST /mcp', async () => {
    const { app, close } = await bootTestApp({
      module: (env) => AppModule.forRoot(env),
      env: { REDIS_URL: CLOSED_REDIS_URL },
      openApi: OPENAPI,
    });
    try {
      const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
      const routes = [
        ['/v1/customers/{id}/recommendations', 'get'],
        ['/v1/products/{id}/similar', 'get'],
        ['/v1/products/{id}/bought-together', 'get'],
        ['/mcp', 'post'],
      ] as const;
      for (const [path, method] of routes) {
        const operation = docs.paths[path][method];
        const responses: Record<string, { content?: Record<string, { schema?: { example?: unknown } }> }> =
          operation.responses;
        for (const [status, response] of Object.entries(responses)) {
          const content = response.content?.['application/json'];
          if (status.startsWith('2') && path === '/mcp') continue;
          expect({ path, status, example: content?.schema?.example !== undefined }).toEqual({
            path,
            status,
            example: true,
          });
        }
        expect(operation.responses['429'].headers['Retry-After']).toBeDefined();
      }
      const recommend = docs.paths['/v1/customers/{id}/recommendations'].get;
      for (const parameter of recommend.parameters)
        expect([parameter.name, parameter.schema?.example]).toEqual([parameter.name, expect.anything()]);
      expect(
        docs.paths['/mcp'].post.requestBody.content['application/json'].examples.call.value,
      ).toMatchObject({
        method: 'tools/call',
        params: { name: 'get_product_recommendations' },
      });
    } finally {
      await close();
    }
  });
});
