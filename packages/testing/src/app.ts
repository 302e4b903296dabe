import { parseEnv, type Env } from '@nextbuy/config';
import { createDataSource } from '@nextbuy/db';
import { createHttpApp, type OpenApiOptions } from '@nextbuy/server';
import { createTestDatabase, type TestDatabase } from './database';
import { clearRedisPrefix, TEST_REDIS_URL, uniqueQueuePrefix } from './queue';

/** An app as `createHttpApp` makes it: initialized, not listening. */
export type TestHttpApp = Awaited<ReturnType<typeof createHttpApp>>;
type RootModule = Parameters<typeof createHttpApp>[0];
type Db = ReturnType<typeof createDataSource>;

/** The test's own pool (apps have theirs): its queries, the importer's two writers, a stage it runs. */
const TEST_POOL_SIZE = 4;

export interface BootOptions {
  /** The app's root module for an environment, e.g. `(env) => AppModule.forRoot(env)`. */
  module: (env: Env) => RootModule;
  /** Variables over the test's environment (API keys, a Redis that is away, tuning). */
  env?: Record<string, string>;
  /** OpenAPI at `/docs`, as the app's `main.ts` serves it. */
  openApi?: OpenApiOptions;
}

/** What one test file boots its apps against: a database, a queue prefix and an environment. */
export interface TestContext {
  testDb: TestDatabase;
  /** A small pool of the test's own, for what it reads and writes beside the apps. */
  db: Db;
  /** Silent logs, this database, the test Redis and this queue prefix, with the test's variables. */
  env: Env;
  prefix: string;
  /** Boots an app with `env` and the options' variables over it; `close()` closes it. */
  boot(options: BootOptions): Promise<TestHttpApp>;
  /** Closes an app before the end of the file (what it writes on close can then be read). */
  closeApp(app: TestHttpApp): Promise<void>;
  /** Closes the apps still open and the pool, drops the database, clears every queue prefix used. */
  close(): Promise<void>;
}

export interface TestApp extends TestContext {
  app: TestHttpApp;
}

/** A test file's database, pool, queue prefix and environment (`env`: its variables): no app yet. */
export async function createTestContext(env: Record<string, string> = {}): Promise<TestContext> {
  const testDb = await createTestDatabase();
  const prefix = uniqueQueuePrefix();
  const base = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: testDb.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    ...env,
  };
  const apps = new Set<TestHttpApp>();
  const prefixes = new Set([prefix]);
  let db: Db;
  try {
    db = await createDataSource({ url: testDb.url, poolSize: TEST_POOL_SIZE }).initialize();
  } catch (e) {
    await testDb.drop();
    throw e;
  }
  return {
    testDb,
    db,
    env: parseEnv(base),
    prefix,
    boot: async ({ module, env: over = {}, openApi }) => {
      const appEnv = parseEnv({ ...base, ...over });
      prefixes.add(appEnv.QUEUE_PREFIX);
      const app = await createHttpApp(module(appEnv), { env: appEnv, openApi });
      apps.add(app);
      return app;
    },
    closeApp: async (app) => {
      apps.delete(app);
      await app.close();
    },
    close: async () => {
      await Promise.all([...apps].map((app) => app.close()));
      apps.clear();
      await db.destroy();
      await testDb.drop();
      for (const p of prefixes) await clearRedisPrefix(p);
    },
  };
}

/**
 * One app on a database and queue prefix of its own, e.g.
 * `bootTestApp({ module: (env) => AppModule.forRoot(env), env: { NEXTBUY_API_KEYS: 'k:read' } })`;
 * `close()` in `afterAll`. More apps on the same database: `boot()`.
 */
export async function bootTestApp({ env, ...options }: BootOptions): Promise<TestApp> {
  const context = await createTestContext(env);
  try {
    return { ...context, app: await context.boot(options) };
  } catch (e) {
    await context.close();
    throw e;
  }
}
