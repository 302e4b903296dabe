/**
 * What the end-to-end tests share: a database of their own with the synthetic shop imported, a
 * queue prefix, the environment every app boots with, and the apps booted in process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parseEnv, type Env } from '@nextbuy/config';
import type { BuildView } from '@nextbuy/contracts';
import { createDataSource } from '@nextbuy/db';
import { importFile } from '@nextbuy/importer';
import { createHttpApp } from '@nextbuy/server';
import {
  clearRedisPrefix,
  createTestDatabase,
  TEST_REDIS_URL,
  uniqueQueuePrefix,
  writeSyntheticRetail,
  type SyntheticFiles,
  type TestDatabase,
} from '@nextbuy/testing';
import type { DataSource } from 'typeorm';

export interface E2eStack {
  testDb: TestDatabase;
  /** A small pool of the test's own, for direct reads. */
  db: DataSource;
  env: Env;
  prefix: string;
  fixture: SyntheticFiles;
  /** Boots an app module in process with the stack's environment. */
  boot(module: { forRoot(env: Env): unknown }): Promise<NestFastifyApplication>;
  /** Closes the given apps, then drops the database, the queues and the fixture files. */
  close(apps: readonly (NestFastifyApplication | undefined)[]): Promise<void>;
}

/** `keys`: `NEXTBUY_API_KEYS`; `env`: more variables of the test. */
export async function startStack(keys: string, env: Record<string, string> = {}): Promise<E2eStack> {
  const testDb = await createTestDatabase();
  const prefix = uniqueQueuePrefix();
  const parsed = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: testDb.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    NEXTBUY_API_KEYS: keys,
    ...env,
  });
  const db = await createDataSource({ url: testDb.url, poolSize: 4 }).initialize();
  const dir = mkdtempSync(join(tmpdir(), 'nextbuy-e2e-'));
  const fixture = writeSyntheticRetail(dir);
  for (const kind of ['products', 'customers', 'events'] as const) {
    const summary = await importFile(db, { kind, file: fixture[kind] });
    if (summary.rejected > 0) throw new Error(`the synthetic ${kind} file had rejected rows`);
  }
  return {
    testDb,
    db,
    env: parsed,
    prefix,
    fixture,
    boot: (module) =>
      createHttpApp(module.forRoot(parsed) as Parameters<typeof createHttpApp>[0], { env: parsed }),
    close: async (apps) => {
      await Promise.all(apps.map((app) => app?.close()));
      await db.destroy();
      await testDb.drop();
      await clearRedisPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `GET /v1/rebuilds/{id}` until the build reaches one of `statuses`. */
export async function waitForBuild(
  ingestion: NestFastifyApplication,
  headers: Record<string, string>,
  id: string,
  statuses: readonly string[],
  timeoutMs = 60_000,
): Promise<BuildView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const b = (
      await ingestion.inject({ method: 'GET', url: `/v1/rebuilds/${id}`, headers })
    ).json<BuildView>();
    if (statuses.includes(b.status)) return b;
    if (Date.now() > until) throw new Error(`build ${id} is still ${b.status}: ${JSON.stringify(b.stages)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
