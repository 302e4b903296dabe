import type { Env } from '@nextbuy/config';
import { join } from 'node:path';

/** Where the console finds the apps, and what it serves. */
export interface ConsoleConfig {
  ingestionUrl: string;
  servingUrl: string;
  /** Prometheus `/metrics` URLs scraped for the live figures. */
  metricsUrls: string[];
  metricsIntervalMs: number;
  secureCookie: boolean;
  /** The built SPA (`vite build` writes it beside the server's own `dist`). */
  webRoot: string;
}

/** Holds the built SPA whether the server runs from `dist/` or, in tests, from `src/`. */
export const DEFAULT_WEB_ROOT = join(__dirname, '..', 'dist', 'web');

export function consoleConfig(env: Env, over: Partial<ConsoleConfig> = {}): ConsoleConfig {
  const servingUrl = (env.SERVING_URL ?? `http://127.0.0.1:${env.SERVING_PORT}`).replace(/\/+$/, '');
  return {
    ingestionUrl: (env.INGESTION_URL ?? `http://127.0.0.1:${env.INGESTION_PORT}`).replace(/\/+$/, ''),
    servingUrl,
    metricsUrls: env.CONSOLE_METRICS_URLS.length
      ? env.CONSOLE_METRICS_URLS
      : [`${servingUrl}/metrics`, `http://127.0.0.1:${env.CANDIDATES_PORT}/metrics`],
    metricsIntervalMs: env.CONSOLE_METRICS_INTERVAL_MS,
    secureCookie: env.CONSOLE_COOKIE_SECURE,
    webRoot: DEFAULT_WEB_ROOT,
    ...over,
  };
}

export const CONSOLE_CONFIG = Symbol('nextbuy.console-config');
