import Redis, { type RedisOptions } from 'ioredis';

/** A connection closed while it is still reconnecting would otherwise linger for ioredis's 2 s. */
const DISCONNECT_TIMEOUT_MS = 100;

/**
 * An `error` listener on every connection made here: without one ioredis prints each failed
 * reconnect. Callers hear of an outage through their failed commands, the health probe reports it.
 */
function quietly(redis: Redis): Redis {
  return redis.on('error', () => undefined);
}

/**
 * Workers block on Redis and must never give up on a command: BullMQ requires
 * `maxRetriesPerRequest: null` for them.
 */
export function createWorkerConnection(url: string, name = 'nextbuy-worker'): Redis {
  return quietly(
    new Redis(url, {
      maxRetriesPerRequest: null,
      connectionName: name,
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    } satisfies RedisOptions),
  );
}

/**
 * Producers on a request path fail fast instead of queueing commands while Redis is away, so an
 * HTTP call answers with an error instead of hanging.
 */
export function createProducerConnection(url: string, name = 'nextbuy-producer'): Redis {
  return quietly(
    new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: name,
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    } satisfies RedisOptions),
  );
}

/**
 * Resolves once the connection is ready (a producer without an offline queue must wait for it);
 * rejects after `timeoutMs`, or at once for a connection that has been closed.
 */
/** Redis (and so the queues) cannot be reached now: a dependency away, worth a retry later. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

export async function whenReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'end') throw new RedisUnavailableError('Redis connection is closed');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new RedisUnavailableError(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onEnd = () => {
      cleanup();
      reject(new RedisUnavailableError('Redis connection is closed'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
    };
    redis.on('ready', onReady);
    redis.on('end', onEnd);
  });
}
