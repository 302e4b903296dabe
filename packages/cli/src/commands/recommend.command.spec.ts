import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecommendationsResponse } from '@nextbuy/contracts';
import { EXIT_FAILED, EXIT_FATAL, EXIT_OK, FatalError } from '../errors';
import { bufferOutput } from '../output';
import { runRecommend, servingTarget } from './recommend.command';

const ANSWER: RecommendationsResponse = {
  customer_id: '17850',
  build_id: '7',
  recommendation_id: 'r-1',
  variant: 'default',
  items: [
    {
      product_id: '85123A',
      name: 'WHITE HANGING HEART T-LIGHT HOLDER',
      category: 't-light holder',
      score: 0.91234,
      rank: 1,
      strategy: 'repurchase',
      reasons: [
        {
          feature: 'repurchase_frequency',
          value: 4,
          attribution: 0.625,
          text: 'bought this 4 times in 90 days',
        },
        { feature: 'recency', value: 12, attribution: 0.375 },
      ],
    },
    {
      product_id: '71053',
      name: null,
      category: null,
      score: 0.5,
      rank: 2,
      strategy: 'popular',
      reasons: [{ feature: 'popularity', value: 1, attribution: 1, text: 'popular in your segment' }],
    },
  ],
};

describe('nextbuy recommend (against a stub serving app)', () => {
  let server: Server;
  let url: string;
  const seen: IncomingMessage[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      const path = new URL(req.url!, 'http://x').pathname;
      res.setHeader('content-type', 'application/json');
      if (req.headers['x-api-key'] !== 'k-read') {
        res.statusCode = 401;
        res.end(
          JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'a valid API key is required' }),
        );
      } else if (path === '/v1/customers/17850/recommendations') {
        res.end(JSON.stringify(ANSWER));
      } else if (path === '/v1/customers/bad/recommendations') {
        res.statusCode = 400;
        res.end(
          JSON.stringify({ statusCode: 400, error: 'Bad Request', message: 'limit must be at most 50' }),
        );
      } else if (path === '/v1/customers/down/recommendations') {
        res.statusCode = 503;
        res.end(
          JSON.stringify({
            statusCode: 503,
            error: 'Service Unavailable',
            message: 'no build has been published yet; run a rebuild',
          }),
        );
      } else {
        res.statusCode = 404;
        res.end(
          JSON.stringify({ statusCode: 404, error: 'Not Found', message: `Route GET:${path} not found` }),
        );
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('prints a table with each item’s reasons, and asks with the key and limit', async () => {
    const output = bufferOutput();
    const result = await runRecommend({ url, apiKey: 'k-read' }, '17850', { limit: '5' }, output);
    expect(result.exitCode).toBe(EXIT_OK);
    expect(seen.at(-1)!.url).toBe('/v1/customers/17850/recommendations?limit=5');
    expect(output.stdout).toEqual([
      'customer 17850: 2 item(s) from build 7 (variant default, recommendation r-1)',
      'rank  product_id  name                                category         score  strategy',
      '   1  85123A      WHITE HANGING HEART T-LIGHT HOLDER  t-light holder  0.9123  repurchase',
      '      · bought this 4 times in 90 days (63%)',
      '      · recency = 12 (38%)',
      '   2  71053                                                           0.5000  popular',
      '      · popular in your segment (100%)',
    ]);
  });

  it('--json prints the raw response', async () => {
    const output = bufferOutput();
    await runRecommend({ url, apiKey: 'k-read' }, '17850', { json: true }, output);
    expect(JSON.parse(output.stdout.join('\n'))).toEqual(ANSWER);
  });

  it('passes serving’s 4xx message through and exits 1; a 5xx exits 2', async () => {
    const bad = bufferOutput();
    expect((await runRecommend({ url, apiKey: 'k-read' }, 'bad', {}, bad)).exitCode).toBe(EXIT_FAILED);
    expect(bad.stderr).toEqual(['serving answered 400: limit must be at most 50']);
    const missing = bufferOutput();
    expect((await runRecommend({ url, apiKey: 'k-read' }, 'a/b', {}, missing)).exitCode).toBe(EXIT_FAILED);
    expect(seen.at(-1)!.url).toBe('/v1/customers/a%2Fb/recommendations');
    expect(missing.stderr[0]).toMatch(/^serving answered 404: /);
    const noKey = bufferOutput();
    expect((await runRecommend({ url }, '17850', {}, noKey)).exitCode).toBe(EXIT_FAILED);
    expect(noKey.stderr[0]).toMatch(
      /^serving answered 401: a valid API key is required \(set NEXTBUY_API_KEY/,
    );
    const down = bufferOutput();
    expect((await runRecommend({ url, apiKey: 'k-read' }, 'down', {}, down)).exitCode).toBe(EXIT_FATAL);
    expect(down.stderr).toEqual(['serving answered 503: no build has been published yet; run a rebuild']);
  });

  it('exits 2 with a hint when serving is not reachable', async () => {
    const output = bufferOutput();
    const result = await runRecommend({ url: 'http://127.0.0.1:1', apiKey: 'k' }, '17850', {}, output);
    expect(result.exitCode).toBe(EXIT_FATAL);
    expect(output.stderr).toEqual([
      'serving is not reachable at http://127.0.0.1:1: start it with `npm start`',
    ]);
  });

  it('refuses a --limit that is not a number before asking', async () => {
    await expect(runRecommend({ url }, '17850', { limit: 'ten' }, bufferOutput())).rejects.toThrow(
      FatalError,
    );
  });

  it('finds serving and a key from the environment', () => {
    const keys = [
      { key: 'w', scope: 'write' as const },
      { key: 'r', scope: 'read' as const },
    ];
    expect(servingTarget({ SERVING_PORT: 3000, NEXTBUY_API_KEYS: keys })).toEqual({
      url: 'http://127.0.0.1:3000',
      apiKey: 'w',
    });
    expect(
      servingTarget({
        SERVING_PORT: 3000,
        NEXTBUY_API_KEYS: [],
        SERVING_URL: 'http://serving:8080/',
        NEXTBUY_API_KEY: 'mine',
      }),
    ).toEqual({ url: 'http://serving:8080', apiKey: 'mine' });
    expect(servingTarget({ SERVING_PORT: 4000, NEXTBUY_API_KEYS: [] })).toEqual({
      url: 'http://127.0.0.1:4000',
      apiKey: undefined,
    });
  });
});
