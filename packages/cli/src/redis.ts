import type Redis from 'ioredis';
import { createProducerConnection, whenReady } from '@nextbuy/queue';
import { FatalError, safeUrl } from './errors';

/** A CLI waits this long for Redis before saying it is out of reach (a local Redis answers in ms). */
export const REDIS_CONNECT_TIMEOUT_MS = 2000;

/**
 * Connects to Redis, or resolves null when it is not ready within the timeout (the connection is
 * then dropped, so nothing keeps the process alive).
 */
export async function tryConnectRedis(
  url: string,
  timeoutMs = REDIS_CONNECT_TIMEOUT_MS,
): Promise<Redis | null> {
  const redis = createProducerConnection(url, 'nextbuy-cli');
  try {
    await whenReady(redis, timeoutMs);
    return redis;
  } catch {
    redis.disconnect();
    return null;
  }
}

export async function connectRedis(url: string, timeoutMs = REDIS_CONNECT_TIMEOUT_MS): Promise<Redis> {
  const redis = await tryConnectRedis(url, timeoutMs);
  if (!redis)
    throw new FatalError(`cannot reach Redis at ${safeUrl(url)}; check REDIS_URL and that Redis is running`);
  return redis;
}

/** Closes a connection politely, and for sure: `quit` may wait on a dead socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  await Promise.race([redis.quit().catch(() => undefined), sleep(500)]);
  redis.disconnect();
}

/** Rejects with `message` when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
