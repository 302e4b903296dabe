import Redis, { type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must never give up on a command: BullMQ requires
 * `maxRetriesPerRequest: null` for them.
 */
export function createWorkerConnection(url: string, name = 'nextbuy-worker'): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    disconnectTimeout: 100,
  } satisfies RedisOptions);
}

/**
 * Producers on a request path fail fast instead of queueing commands while Redis is away, so an
 * HTTP call answers with an error instead of hanging.
 */
export function createProducerConnection(url: string, name = 'nextbuy-producer'): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: name,
  } satisfies RedisOptions);
}

/** Resolves once the connection is ready (a producer without an offline queue must wait for it). */
export async function whenReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
