import { NextbuyApiError, NextbuyClient, NextbuyConnectionError } from '@nextbuy/client';
import type { KeyView } from '@nextbuy/contracts';
import type { LiveFigures } from '../../src/live/live-figures';

/**
 * The apps, through the console server's forwarding: no key in the page, the HttpOnly sign-in
 * cookie goes along and the server turns it into `x-api-key`.
 */
export const ingestion = new NextbuyClient({ baseUrl: '/api/ingestion' });
export const serving = new NextbuyClient({ baseUrl: '/api/serving' });

/** The console server's own routes (sign-in and the live figures), not the apps' APIs. */
async function consoleCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
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
