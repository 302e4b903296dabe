import { RequestMethod } from '@nestjs/common';
import Fastify from 'fastify';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { RequestLog } from './logging.module';

/** A Fastify app whose request lines land in `lines`. */
async function appWithLog(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const log = new RequestLog(pino({ level }, sink), [
    { path: 'v1/customers/:id/recommendations', method: RequestMethod.GET },
  ]);
  const app = Fastify();
  log.attach(app);
  app.get('/v1/customers/:id/recommendations', () => ({ items: [] }));
  app.get('/v1/products/:id', () => ({ ok: true }));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/health', () => ({ status: 'ok' }));
  await app.ready();
  return { app, lines };
}

describe('RequestLog', () => {
  it('writes one line per request: method, url, status, duration, and never a header', async () => {
    const { app, lines } = await appWithLog();
    await app.inject({ url: '/v1/products/p1?x=1', headers: { 'x-api-key': 'secret-key' } });
    await app.inject({ url: '/nowhere' });
    await app.inject({ url: '/boom' });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/v1/products/p1?x=1' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0]!.responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('secret-key');
    expect(lines[1]).toMatchObject({ level: 30, res: { statusCode: 404 } });
    expect(lines[2]).toMatchObject({ level: 50, res: { statusCode: 500 } });
    await app.close();
  });

  it('skips the unlogged routes and the probes', async () => {
    const { app, lines } = await appWithLog();
    await app.inject({ url: '/v1/customers/c1/recommendations?limit=3' });
    await app.inject({ url: '/health' });
    expect(lines).toHaveLength(0);
    await app.close();
  });

  it('writes nothing below its level', async () => {
    const { app, lines } = await appWithLog('warn');
    await app.inject({ url: '/v1/products/p1' });
    await app.inject({ url: '/boom' });
    expect(lines.map((l) => l.level)).toEqual([50]);
    await app.close();
  });
});
