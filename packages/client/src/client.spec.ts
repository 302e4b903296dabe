import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NextbuyApiError, NextbuyClient, NextbuyConnectionError } from './client';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('NextbuyClient (against a stub server)', () => {
  let server: Server;
  let baseUrl: string;
  const seen: Seen[] = [];
  /** What the stub answers next: status, body text, headers. */
  let answer: { status: number; body: string; headers?: Record<string, string> };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const ok = (body: unknown) => (answer = { status: 200, body: JSON.stringify(body) });

  it('asks for recommendations with the key, the query and an encoded id', async () => {
    ok({ customer_id: 'a/b', items: [] });
    const client = new NextbuyClient({ baseUrl, apiKey: 'k-read' });
    const res = await client.recommendations('a/b', {
      limit: 5,
      type: 'collaborative',
      exclude: ['p1', 'p2'],
      product_id: 'p9',
    });
    expect(res).toEqual({ customer_id: 'a/b', items: [] });
    const req = seen.at(-1)!;
    expect(req.method).toBe('GET');
    expect(req.url).toBe(
      '/v1/customers/a%2Fb/recommendations?limit=5&type=collaborative&product_id=p9&exclude=p1%2Cp2',
    );
    expect(req.headers['x-api-key']).toBe('k-read');
    expect(req.headers['content-type']).toBeUndefined();
  });

  it('leaves out absent query parameters, and sends no key when it has none', async () => {
    ok({ items: [] });
    await new NextbuyClient({ baseUrl }).similar('p1');
    expect(seen.at(-1)!.url).toBe('/v1/products/p1/similar');
    expect(seen.at(-1)!.headers['x-api-key']).toBeUndefined();
    await new NextbuyClient({ baseUrl }).boughtTogether('p1', { limit: 3 });
    expect(seen.at(-1)!.url).toBe('/v1/products/p1/bought-together?limit=3');
  });

  it('sends JSON bodies to the ingestion routes', async () => {
    const client = new NextbuyClient({ baseUrl, apiKey: 'k' });
    ok({ accepted: 1, duplicates: 0, rejected: [] });
    const events = [
      { customer_id: 'c1', product_id: 'p1', type: 'view' as const, timestamp: '2025-01-01T00:00:00Z' },
    ];
    expect(await client.sendEvents(events)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/events', body: JSON.stringify(events) });
    expect(seen.at(-1)!.headers['content-type']).toBe('application/json');
    await client.upsertProducts([{ product_id: 'p1', name: 'Shoe' }]);
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: '/v1/products' });
    await client.upsertCustomers([{ customer_id: 'c1' }]);
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: '/v1/customers' });
    await client.triggerRebuild({ as_of: '2011-11-09T00:00:00Z' });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/rebuilds',
      body: '{"as_of":"2011-11-09T00:00:00Z"}',
    });
    await client.rebuild('7');
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/rebuilds/7' });
    await client.rebuilds({ limit: 2 });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/rebuilds?limit=2' });
    await client.feedback({ recommendation_id: 'r', customer_id: 'c1', product_id: 'p1', type: 'click' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/feedback' });
  });

  it('calls the models routes', async () => {
    const client = new NextbuyClient({ baseUrl, apiKey: 'k' });
    await client.trainModel({ as_of: '2011-11-09T00:00:00Z' });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/models/train',
      body: '{"as_of":"2011-11-09T00:00:00Z"}',
    });
    await client.models({ limit: 3 });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/models?limit=3' });
    await client.model('4');
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/models/4' });
    await client.activateModel('4');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/models/4/activate' });
    await client.rollbackModel();
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/models/rollback' });
  });

  it('throws NextbuyApiError with the status and the error body', async () => {
    answer = {
      status: 400,
      body: JSON.stringify({ statusCode: 400, error: 'Bad Request', message: 'limit…', details: { n: 1 } }),
    };
    const error = await new NextbuyClient({ baseUrl }).recommendations('c1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NextbuyApiError);
    expect(error).toMatchObject({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'limit…', details: { n: 1 } },
      message: '400 Bad Request: limit…',
    });
  });

  it('reads Retry-After, and makes an error body of a non-JSON answer', async () => {
    answer = {
      status: 429,
      body: '{"statusCode":429,"error":"Too Many Requests","message":"slow down"}',
      headers: { 'retry-after': '7' },
    };
    const limited = (await new NextbuyClient({ baseUrl })
      .similar('p1')
      .catch((e: unknown) => e)) as NextbuyApiError;
    expect(limited.retryAfterSeconds).toBe(7);
    answer = { status: 502, body: '<html>Bad gateway</html>', headers: { 'content-type': 'text/html' } };
    const proxy = (await new NextbuyClient({ baseUrl })
      .similar('p1')
      .catch((e: unknown) => e)) as NextbuyApiError;
    expect(proxy.body).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: '<html>Bad gateway</html>',
    });
    expect(proxy.retryAfterSeconds).toBeUndefined();
  });

  it('throws NextbuyConnectionError when nothing answers, or not in time', async () => {
    const refused = await new NextbuyClient({ baseUrl: 'http://127.0.0.1:1' })
      .similar('p1')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NextbuyConnectionError);
    expect(refused).toMatchObject({ timedOut: false, message: 'http://127.0.0.1:1 is not reachable' });
    const hang = createServer(() => undefined);
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
      const slow = await new NextbuyClient({ baseUrl: url, timeoutMs: 50 })
        .similar('p1')
        .catch((e: unknown) => e);
      expect(slow).toMatchObject({ name: 'NextbuyConnectionError', timedOut: true });
    } finally {
      hang.closeAllConnections();
      await new Promise((resolve) => hang.close(resolve));
    }
  });

  it('calls the operator routes of ingestion and the experiment routes of serving', async () => {
    const client = new NextbuyClient({ baseUrl, apiKey: 'k' });
    const calls: [() => Promise<unknown>, string, string, string?][] = [
      [() => client.me(), 'GET', '/v1/keys/me'],
      [() => client.status(), 'GET', '/v1/status'],
      [() => client.customer('a b'), 'GET', '/v1/customers/a%20b'],
      [() => client.customerEvents('c1', { limit: 5 }), 'GET', '/v1/customers/c1/events?limit=5'],
      [() => client.similarCustomers('c1'), 'GET', '/v1/customers/c1/similar'],
      [() => client.product('p/1', { days: 30 }), 'GET', '/v1/products/p%2F1?days=30'],
      [() => client.rollback('4'), 'POST', '/v1/rebuilds/4/rollback'],
      [
        () => client.startEvaluation({ as_of: '2011-11-09T00:00:00Z', k: 12 }),
        'POST',
        '/v1/evaluations',
        '{"as_of":"2011-11-09T00:00:00Z","k":12}',
      ],
      [() => client.evaluation('3'), 'GET', '/v1/evaluations/3'],
      [() => client.evaluations({ limit: 5 }), 'GET', '/v1/evaluations?limit=5'],
      [
        () => client.createExperiment({ name: 'x', variants: [{ name: 'a', share: 1 }] }),
        'POST',
        '/v1/experiments',
        '{"name":"x","variants":[{"name":"a","share":1}]}',
      ],
      [() => client.experiments(), 'GET', '/v1/experiments'],
      [() => client.experiment('2'), 'GET', '/v1/experiments/2'],
      [() => client.startExperiment('2'), 'POST', '/v1/experiments/2/start'],
      [() => client.stopExperiment('2'), 'POST', '/v1/experiments/2/stop'],
      [() => client.experimentReport('2'), 'GET', '/v1/experiments/2/report'],
      [() => client.tasks(), 'GET', '/v1/tasks'],
      [() => client.task('weekly'), 'GET', '/v1/tasks/weekly'],
      [
        () => client.createTask({ name: 'weekly', query: 'PREDICT …' }),
        'POST',
        '/v1/tasks',
        '{"name":"weekly","query":"PREDICT …"}',
      ],
      [() => client.triggerRebuild({ task: 'weekly' }), 'POST', '/v1/rebuilds', '{"task":"weekly"}'],
      [
        () => client.recommendations('c1', { task: 'weekly' }),
        'GET',
        '/v1/customers/c1/recommendations?task=weekly',
      ],
    ];
    for (const [call, method, url, body = ''] of calls) {
      ok({});
      await call();
      expect(seen.at(-1)).toMatchObject({ method, url, body });
    }
  });

  it('works as a browser uses it: a path resolved against the page, fetch called unbound', async () => {
    const page = globalThis as { location?: { href: string } };
    page.location = { href: `${baseUrl}console/customers/c1` };
    try {
      ok({ id: 'env:abc', scope: 'read' });
      // A browser's fetch throws "Illegal invocation" when called with a `this` other than the window.
      const browserFetch = function (this: unknown, input: Parameters<typeof fetch>[0], init?: RequestInit) {
        if (this !== undefined) throw new TypeError('Illegal invocation');
        return fetch(input, init);
      } as typeof fetch;
      const client = new NextbuyClient({ baseUrl: '/api/ingestion/', fetch: browserFetch });
      expect(await client.me()).toEqual({ id: 'env:abc', scope: 'read' });
      expect(seen.at(-1)!.url).toBe('/api/ingestion/v1/keys/me');
    } finally {
      delete page.location;
    }
  });
});
