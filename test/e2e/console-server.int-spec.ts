import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parseEnv, type Env } from '@nextbuy/config';
import type { KeyView, StatusView } from '@nextbuy/contracts';
import { createHttpApp } from '@nextbuy/server';
import {
  clearRedisPrefix,
  createTestDatabase,
  TEST_REDIS_URL,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@nextbuy/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { AppModule as ConsoleApp } from '../../apps/console/src/app.module';
import { SESSION_COOKIE } from '../../apps/console/src/session/session.service';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';

/**
 * The console's server against a real ingestion app (its own database and queue prefix): sign-in,
 * the cookie turned into the key header, Bull Board behind admin, and what happens without a build
 * of the web app. Serving is not needed here: the browser tests (test/e2e) cover the whole stack.
 */
describe('console server', () => {
  let db: TestDatabase;
  let prefix: string;
  let ingestion: NestFastifyApplication;
  let app: NestFastifyApplication;
  let emptyWebRoot: string;
  let env: Env;
  let consoleOptions: { ingestionUrl: string; servingUrl: string; metricsUrls: string[] };

  const cookieOf = (setCookie: string | string[] | undefined) =>
    String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;

  const signIn = async (key: string) => {
    const res = await app.inject({ method: 'POST', url: '/session', payload: { api_key: key } });
    return { res, cookie: cookieOf(res.headers['set-cookie']) };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = uniqueQueuePrefix();
    env = parseEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      NEXTBUY_API_KEYS: 'c-read:read,c-write:write,c-ops:ops,c-admin:admin',
    });
    ingestion = await createHttpApp(IngestionApp.forRoot(env), { env });
    await ingestion.listen({ port: 0, host: '127.0.0.1' });
    const address = ingestion.getHttpServer().address() as { port: number };
    emptyWebRoot = mkdtempSync(join(tmpdir(), 'nextbuy-console-'));
    consoleOptions = {
      ingestionUrl: `http://127.0.0.1:${address.port}`,
      servingUrl: 'http://127.0.0.1:1',
      metricsUrls: [],
    };
    app = await createHttpApp(ConsoleApp.forRoot(env, { ...consoleOptions, webRoot: emptyWebRoot }), { env });
  });

  afterAll(async () => {
    await app?.close();
    await ingestion?.close();
    await db?.drop();
    await clearRedisPrefix(prefix);
    if (emptyWebRoot) rmSync(emptyWebRoot, { recursive: true, force: true });
  });

  it('refuses a wrong key with the API’s message, and a missing one with a 400', async () => {
    const { res } = await signIn('nope');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ statusCode: 401, message: 'Invalid API key' });
    expect(res.headers['set-cookie']).toBeUndefined();
    const empty = await app.inject({ method: 'POST', url: '/session', payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toMatch(/api_key is required/);
  });

  it('refuses read and write keys: the console needs an ops or admin key', async () => {
    for (const key of ['c-read', 'c-write']) {
      const { res } = await signIn(key);
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toMatch(/the console needs an ops key \(read-only\) or an admin key/);
      expect(res.headers['set-cookie']).toBeUndefined();
      // A cookie made by hand does not sign it in either.
      const me = await app.inject({
        method: 'GET',
        url: '/session',
        headers: { cookie: `${SESSION_COOKIE}=${key}` },
      });
      expect(me.statusCode).toBe(403);
    }
  });

  it('signs in with an HttpOnly, SameSite=Strict cookie and answers who is signed in', async () => {
    const { res, cookie } = await signIn('c-ops');
    expect(res.statusCode).toBe(200);
    expect(res.json<KeyView>().scope).toBe('ops');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=c-ops;`));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const me = await app.inject({ method: 'GET', url: '/session', headers: { cookie } });
    expect(me.json<KeyView>().scope).toBe('ops');
    expect((await app.inject({ method: 'GET', url: '/session' })).statusCode).toBe(401);
    const out = await app.inject({ method: 'DELETE', url: '/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
  });

  it('forwards /api/ingestion with the cookie as the key, and without the cookie', async () => {
    const { cookie } = await signIn('c-ops');
    const status = await app.inject({ method: 'GET', url: '/api/ingestion/v1/status', headers: { cookie } });
    expect(status.statusCode).toBe(200);
    expect(status.json<StatusView>().counts.events).toBe(0);
    expect((await app.inject({ method: 'GET', url: '/api/ingestion/v1/status' })).statusCode).toBe(401);
    // An ops key cannot start a rebuild through the console either: the app decides.
    const rebuild = await app.inject({
      method: 'POST',
      url: '/api/ingestion/v1/rebuilds',
      headers: { cookie },
      payload: {},
    });
    expect(rebuild.statusCode).toBe(403);
    expect(rebuild.json().message).toMatch(/scope "ops"/);
  });

  it('opens Bull Board through the proxy to an admin, and its read-only view to ops', async () => {
    const ops = await signIn('c-ops');
    expect(
      (await app.inject({ method: 'GET', url: '/queues', headers: { cookie: ops.cookie } })).statusCode,
    ).toBe(403);
    const view = await app.inject({ method: 'GET', url: '/queues/view', headers: { cookie: ops.cookie } });
    expect(view.statusCode).toBe(200);
    expect(view.body).toMatch(/<html/i);
    const admin = await signIn('c-admin');
    const page = await app.inject({ method: 'GET', url: '/queues', headers: { cookie: admin.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<html/i);
  });

  it('answers the live figures to a signed-in operator only', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/console/live' })).statusCode).toBe(401);
    const { cookie } = await signIn('c-ops');
    const live = await app.inject({ method: 'GET', url: '/api/console/live', headers: { cookie } });
    expect(live.json()).toEqual({ window_seconds: 0, serving: null, realtime: null, targets: [] });
  });

  it('says so when the web app is not built', async () => {
    const page = await app.inject({ method: 'GET', url: '/builds' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toMatch(/npm run build/);
  });

  it('sends the precompressed asset a browser accepts, cached for good, and index.html revalidated', async () => {
    // A built web app as vite.config.mts writes it: hashed assets with `.br` and `.gz` beside them.
    const webRoot = mkdtempSync(join(tmpdir(), 'nextbuy-console-web-'));
    const script = Buffer.from(`export const answer = ${JSON.stringify('x'.repeat(2000))};\n`);
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(webRoot, 'assets', 'index-abc123.js'), script);
    writeFileSync(join(webRoot, 'assets', 'index-abc123.js.br'), brotliCompressSync(script));
    writeFileSync(join(webRoot, 'assets', 'index-abc123.js.gz'), gzipSync(script));
    const built = await createHttpApp(ConsoleApp.forRoot(env, { ...consoleOptions, webRoot }), { env });
    try {
      const get = (url: string, encoding?: string) =>
        built.inject({ method: 'GET', url, headers: encoding ? { 'accept-encoding': encoding } : {} });

      const br = await get('/assets/index-abc123.js', 'gzip, deflate, br, zstd');
      expect(br.statusCode).toBe(200);
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['content-type']).toMatch(/^application\/javascript/);
      expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(br.headers.vary).toMatch(/accept-encoding/i);
      expect(br.rawPayload.length).toBeLessThan(script.length / 10);

      const gz = await get('/assets/index-abc123.js', 'gzip, deflate');
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.rawPayload).equals(script)).toBe(true);

      const plain = await get('/assets/index-abc123.js');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.rawPayload.equals(script)).toBe(true);

      for (const url of ['/', '/builds/7']) {
        const page = await get(url, 'gzip, br');
        expect(page.statusCode).toBe(200);
        expect(page.headers['cache-control']).toBe('no-cache');
        expect(page.body).toMatch(/<title>console<\/title>/);
      }
    } finally {
      await built.close();
      rmSync(webRoot, { recursive: true, force: true });
    }
  });
});
