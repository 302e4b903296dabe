/**
 * What the end-to-end tests share: a test context (database, queue prefix, environment) with the
 * synthetic shop imported, and the apps booted in process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Env } from '@nextbuy/config';
import type { BuildView } from '@nextbuy/contracts';
import { importFile } from '@nextbuy/importer';
import {
  createTestContext,
  writeSyntheticRetail,
  type BootOptions,
  type SyntheticFiles,
  type TestContext,
  type TestHttpApp,
} from '@nextbuy/testing';

/** An app's root module, as every app exports it. */
type AppModule = { forRoot(env: Env): ReturnType<BootOptions['module']> };

export interface E2eStack extends TestContext {
  fixture: SyntheticFiles;
  /** Boots an app module in process with the stack's environment. */
  bootApp(module: AppModule): Promise<TestHttpApp>;
}

/** `keys`: `NEXTBUY_API_KEYS`; `env`: more variables of the test. `close()` also removes the fixture files. */
export async function startStack(keys: string, env: Record<string, string> = {}): Promise<E2eStack> {
  const context = await createTestContext({ NEXTBUY_API_KEYS: keys, ...env });
  const dir = mkdtempSync(join(tmpdir(), 'nextbuy-e2e-'));
  const close = async () => {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const fixture = writeSyntheticRetail(dir);
    for (const kind of ['products', 'customers', 'events'] as const) {
      const summary = await importFile(context.db, { kind, file: fixture[kind] });
      if (summary.rejected > 0) throw new Error(`the synthetic ${kind} file had rejected rows`);
    }
    return {
      ...context,
      fixture,
      bootApp: (module) => context.boot({ module: (e) => module.forRoot(e) }),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
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
