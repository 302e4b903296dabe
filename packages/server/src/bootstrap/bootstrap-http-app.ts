import { type DynamicModule, Logger, type Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { ConfigError, type Env, loadEnv } from '@nextbuy/config';
import type { OpenApiOptions } from '../openapi/openapi';
import { createHttpApp, type HttpAppOptions } from './create-http-app';

/** Listen on every interface: apps run in containers and behind load balancers. */
const LISTEN_HOST = '0.0.0.0';
/** A close that takes longer than this (a hung query, a stuck connection) ends in a hard exit. */
const SHUTDOWN_GRACE_MS = 15_000;
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface BootstrapOptions extends HttpAppOptions {
  name: string;
  port: number;
}

/**
 * `main.ts` of every app: builds the app, listens on its port and closes gracefully on SIGTERM or
 * SIGINT (in-flight requests finish, then queues and the database pool close).
 */
export async function bootstrapHttpApp(
  module: Type<unknown> | DynamicModule,
  { name, port, ...options }: BootstrapOptions,
): Promise<NestFastifyApplication> {
  const app = await createHttpApp(module, options);
  app.enableShutdownHooks([...SHUTDOWN_SIGNALS]);
  for (const signal of SHUTDOWN_SIGNALS) {
    process.once(signal, () => {
      Logger.log(`${signal} received: closing`, name);
      setTimeout(() => {
        Logger.error(`Still closing after ${SHUTDOWN_GRACE_MS} ms: exiting`, undefined, name);
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
    });
  }
  await app.listen({ port, host: LISTEN_HOST });
  const docs = options.openApi ? `, docs at http://localhost:${port}/docs` : '';
  Logger.log(`${name} listening on http://localhost:${port}${docs}`, name);
  return app;
}

export interface AppEntry {
  module: Type<unknown> | DynamicModule;
  port: number;
  openApi?: OpenApiOptions;
}

/**
 * The whole `main.ts` of an app: validates the environment, builds the app from it and listens.
 * A bad environment or a boot failure is printed (without a Nest stack for config) and exits 1.
 */
export function runHttpApp(name: string, entry: (env: Env) => AppEntry): void {
  const fail = (what: string) => {
    // The Nest logger may still be buffering: write straight to stderr.
    process.stderr.write(`${name} failed to start: ${what}\n`);
    process.exit(1);
  };
  let env: Env;
  try {
    env = loadEnv();
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.message);
    throw e;
  }
  const { module, port, openApi } = entry(env);
  if (env.CPU_NICENESS > 0) {
    // Lower the process's CPU priority only (raising it needs privileges nextbuy never asks for).
    try {
      setNiceness(env.CPU_NICENESS);
      Logger.log(`CPU niceness ${env.CPU_NICENESS}: background work yields to serving`, name);
    } catch (e) {
      Logger.warn(`could not set CPU niceness ${env.CPU_NICENESS}: ${(e as Error).message}`, name);
    }
  }
  bootstrapHttpApp(module, { name, port, env, openApi }).catch((e: unknown) =>
    fail(e instanceof Error ? (e.stack ?? e.message) : String(e)),
  );
}

/**
 * Sets the niceness of every thread of this process: on Linux a niceness belongs to a thread, and
 * V8's garbage-collection and libuv's pool threads exist before `main.ts` runs.
 */
function setNiceness(niceness: number): void {
  let threads: string[] = [];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    // not Linux: the calling thread only
  }
  if (threads.length === 0) return setPriority(niceness);
  for (const tid of threads) setPriority(Number(tid), niceness);
}
