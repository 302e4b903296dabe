import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Param } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parseEnv } from '@nextbuy/config';
import { ServerModule } from '../server.module';
import { createHttpApp } from './create-http-app';

/** Released by the test: a request held in flight while the app closes. */
let release: () => void = () => undefined;
const held = () => new Promise<void>((resolve) => (release = resolve));

@Controller('items')
class ItemsController {
  @Get('slow')
  async slow(): Promise<{ done: true }> {
    await held();
    return { done: true };
  }

  @Get(':id')
  get(@Param('id') id: string): { id: string } {
    return { id };
  }
}

@Module({ controllers: [ItemsController] })
class ItemsModule {}

const env = parseEnv({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  // Nothing listens on port 1: these routes never need the database.
  DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nextbuy',
});

@Module({ imports: [ServerModule.forRoot({ name: 'it', env }), ItemsModule] })
class AppModule {}

const documentedShape = (body: unknown, statusCode: number) =>
  expect(body).toEqual({ statusCode, error: expect.any(String), message: expect.any(String) });

/** Sends raw bytes on one connection and resolves with everything the server wrote back. */
function raw(port: number, request: string, afterFirstByte?: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      if (!text) afterFirstByte?.();
      text += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.write(request);
  });
}

/** The JSON bodies of the HTTP responses in `text`, with their status codes. */
function responses(text: string): { status: number; body: unknown }[] {
  const out: { status: number; body: unknown }[] = [];
  const re = /HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const length = Number(/content-length: (\d+)/i.exec(m[2]!)?.[1] ?? 0);
    const start = re.lastIndex;
    out.push({ status: Number(m[1]), body: JSON.parse(text.slice(start, start + length)) });
    re.lastIndex = start + length;
  }
  return out;
}

// Issue #15, defect 8: Fastify answers some errors itself, outside Nest's filter; each must still be
// exactly `{statusCode, error, message, details?}` (no `code` field).
describe("Fastify's own errors", () => {
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    app = await createHttpApp(AppModule, { env });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    release();
    await app?.close();
  });

  it('answers a URL that does not decode with 400 in the documented shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/items/%ff' });
    expect(res.statusCode).toBe(400);
    documentedShape(res.json(), 400);
    expect(res.json().message).toMatch(/not a valid URL/);
  });

  it('answers a path parameter over the router limit with 414 in the documented shape', async () => {
    const res = await app.inject({ method: 'GET', url: `/items/${'x'.repeat(2000)}` });
    expect(res.statusCode).toBe(414);
    expect(res.json()).toEqual({
      statusCode: 414,
      error: 'URI Too Long',
      message: 'A path parameter is longer than 1024 characters',
    });
  });

  it('answers a malformed HTTP request with 400 in the documented shape', async () => {
    const [res] = responses(await raw(port, 'NOT HTTP AT ALL\r\n\r\n'));
    expect(res?.status).toBe(400);
    expect(res?.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Malformed HTTP request' });
  });

  it('answers a request arriving while the app closes with 503 in the documented shape', async () => {
    // Two pipelined requests on one connection: the first is held in flight, the second arrives
    // once the close has begun.
    const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`;
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    const closedSocket = new Promise((resolve) => socket.on('close', resolve));
    socket.write(request('/items/slow'));
    await new Promise((r) => setTimeout(r, 200));
    const closing = app.close();
    await new Promise((r) => setTimeout(r, 100));
    socket.write(request('/items/after'));
    await new Promise((r) => setTimeout(r, 200));
    release();
    await closing;
    await closedSocket;
    const answers = responses(text);
    expect(answers[0]).toEqual({ status: 200, body: { done: true } });
    expect(answers[1]?.status).toBe(503);
    documentedShape(answers[1]?.body, 503);
  });
});
