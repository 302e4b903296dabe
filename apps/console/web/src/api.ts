import { NextbuyApiError, NextbuyClient, NextbuyConnectionError } from '@nextbuy/client';
import type { KeyView } from '@nextbuy/contracts';
import type { LiveFigures } from '../../src/live/live-figures';

declare global {
  interface Window {
    /** Responses index.html's inline script asked for before the bundle arrived, by path. */
    nextbuyEarly?: Record<string, Promise<Response> | undefined>;
  }
}

/**
 * `fetch`, except that the first GET of a path index.html already asked for (the session, the
 * overview's status and live figures) takes that response: on a first load those calls then run
 * while the bundle downloads and starts, not after. Every later call goes to the network.
 */
export function earlyFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const early = typeof window === 'undefined' ? undefined : window.nextbuyEarly;
  if (early && (init?.method ?? 'GET') === 'GET' && !(input instanceof Request)) {
    const url = new URL(String(input), location.href);
    const path = url.pathname + url.search;
    const response = url.origin === location.origin ? early[path] : undefined;
    if (response) {
      delete early[path];
      return response;
    }
  }
  return fetch(input, init);
}

/**
 * The apps, through the console server's forwarding: no key in the page, the HttpOnly sign-in
 * cookie goes along and the server turns it into `x-api-key`.
 */
export const ingestion = new NextbuyClient({ baseUrl: '/api/ingestion', fetch: earlyFetch });
export const serving = new NextbuyClient({ baseUrl: '/api/serving', fetch: earlyFetch });

/** The console server's own routes (sign-in and the live figures), not the apps' APIs. */
async function consoleCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await earlyFetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new NextbuyConnectionError(location.origin, false, { cause: e });
  }
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const b = (parsed ?? {}) as { error?: string; message?: string };
    throw new NextbuyApiError(res.status, {
      statusCode: res.status,
      error: b.error ?? res.statusText,
      message: b.message ?? res.statusText,
    });
  }
  return parsed as T;
}

export const signIn = (apiKey: string) => consoleCall<KeyView>('POST', '/session', { api_key: apiKey });
export const currentSession = () => consoleCall<KeyView>('GET', '/session');
export const signOut = () => consoleCall<void>('DELETE', '/session');
export const liveFigures = () => consoleCall<LiveFigures>('GET', '/api/console/live');

/** What an operator reads of a failed call: the API's own message. */
export function errorMessage(e: unknown): string {
  if (e instanceof NextbuyApiError) return e.body.message;
  if (e instanceof NextbuyConnectionError) return 'The console server is not reachable.';
  return e instanceof Error ? e.message : String(e);
}

export const isStatus = (e: unknown, status: number) => e instanceof NextbuyApiError && e.status === status;
