import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NextbuyClient } from '@nextbuy/client';
import type { RankedItem, RecommendationsResponse, Strategy } from '@nextbuy/contracts';
import { bootTestApp, publishTestBuild, type TestApp } from '@nextbuy/testing';
import { AppModule, OPENAPI } from '../app.module';
import { RECOMMENDATIONS_TOOL } from './recommendations.tool';

const item = (productId: string, strategy: Strategy, rank: number): RankedItem => ({
  product_id: productId,
  name: `Product ${productId}`,
  category: 'shoes',
  score: 1 - rank / 100,
  rank,
  strategy,
  reasons: [{ feature: `${strategy}_signal`, value: 2, attribution: 1, text: `because of ${strategy}` }],
});

/** An MCP client (the SDK's own) calling the tool over streamable HTTP, against the real app. */
describe('POST /mcp', () => {
  let t: TestApp;
  let app: NestFastifyApplication;
  let url: URL;
  let buildId: string;
  const clients: Client[] = [];

  const connect = async (apiKey = 'mcp-read') => {
    const client = new Client({ name: 'nextbuy-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { 'x-api-key': apiKey } },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    t = await bootTestApp({
      module: (env) => AppModule.forRoot(env),
      env: { NEXTBUY_API_KEYS: 'mcp-read:read' },
      openApi: OPENAPI,
    });
    app = t.app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = new URL(`${await app.getUrl()}/mcp`);
    await t.db.query(
      `INSERT INTO products (product_id, name, category) SELECT 'p' || n, 'Product p' || n, 'shoes' FROM generate_series(1, 9) n`,
    );
    buildId = await publishTestBuild(t.db, {
      customers: [
        {
          customer_id: 'c1',
          items: [item('p1', 'repurchase', 1), item('p2', 'collaborative', 2), item('p3', 'repurchase', 3)],
        },
      ],
      itemLists: {
        bought_together: [{ key: 'p9', items: [item('p7', 'complementary', 1)] }],
        popular: [{ key: '*', items: [item('p5', 'popular', 1)] }],
      },
    });
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await t?.close();
  });

  it('lists the tool with its input schema', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === RECOMMENDATIONS_TOOL);
    expect(tool?.inputSchema).toMatchObject({
      type: 'object',
      required: ['customer_id'],
      properties: {
        customer_id: { type: 'string' },
        product_id: { type: 'string' },
        limit: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
        recommendation_type: { enum: expect.arrayContaining(['all', 'repurchase', 'popular']) },
      },
    });
    expect(tool?.annotations?.readOnlyHint).toBe(true);
  });

  it('answers what the HTTP API answers, as text and structured content', async () => {
    const client = await connect();
    const result = await client.callTool({ name: RECOMMENDATIONS_TOOL, arguments: { customer_id: 'c1' } });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as RecommendationsResponse;
    const content = result.content as { type: string; text: string }[];
    expect(content).toHaveLength(1);
    expect(JSON.parse(content[0]!.text)).toEqual(structured);

    const http = await new NextbuyClient({ baseUrl: url.origin, apiKey: 'mcp-read' }).recommendations('c1');
    const withoutId = ({ recommendation_id: _, ...rest }: RecommendationsResponse) => rest;
    expect(withoutId(structured)).toEqual(withoutId(http));
    expect(structured).toMatchObject({ customer_id: 'c1', build_id: buildId });
    expect(structured.recommendation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(structured.items.map((i) => i.product_id)).toEqual(['p1', 'p2', 'p3']);
    expect(structured.items[0]!.reasons[0]).toEqual({
      feature: 'repurchase_signal',
      value: 2,
      attribution: 1,
      text: 'because of repurchase',
    });
  });

  it('applies limit, recommendation_type and product_id', async () => {
    const client = await connect();
    const call = async (args: Record<string, unknown>) => {
      const r = await client.callTool({
        name: RECOMMENDATIONS_TOOL,
        arguments: { customer_id: 'c1', ...args },
      });
      return (r.structuredContent as RecommendationsResponse).items.map((i) => i.product_id);
    };
    expect(await call({ limit: 1 })).toEqual(['p1']);
    expect(await call({ recommendation_type: 'repurchase' })).toEqual(['p1', 'p3']);
    expect(await call({ product_id: 'p9', limit: 2 })).toEqual(['p7', 'p1']);
    // A customer without a list gets the popular one.
    const fresh = await client.callTool({ name: RECOMMENDATIONS_TOOL, arguments: { customer_id: 'nobody' } });
    expect((fresh.structuredContent as RecommendationsResponse).items.map((i) => i.strategy)).toEqual([
      'popular',
    ]);
  });

  it.each([
    [{ customer_id: 'c1', limit: 0 }, /limit/],
    [{ customer_id: 'c1', limit: 51 }, /limit/],
    [{ customer_id: 'c1', recommendation_type: 'trending' }, /recommendation_type/],
    [{ customer_id: '' }, /customer_id must not be empty/],
    [{}, /customer_id/],
  ])('answers bad arguments %j with a tool error naming the problem', async (args, problem) => {
    const client = await connect();
    const result = await client.callTool({ name: RECOMMENDATIONS_TOOL, arguments: args });
    expect(result.isError).toBe(true);
    const [text] = result.content as { text: string }[];
    expect(text!.text).toMatch(/Input validation error/);
    expect(text!.text).toMatch(problem);
  });

  it('needs a key with scope read', async () => {
    await expect(connect('wrong')).rejects.toThrow(/401/);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it('answers GET with 405: the endpoint is stateless', async () => {
    const res = await fetch(url, { headers: { 'x-api-key': 'mcp-read' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toMatchObject({ statusCode: 405, error: 'Method Not Allowed' });
  });
});
