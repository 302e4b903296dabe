import Redis from 'ioredis';

/**
 * How long a disconnect waits for the socket to close before destroying it. ioredis's 2 s default
 * outlives shutdown when Redis is away: a socket that already closed never reports closing again,
 * so the timer runs to its end and holds the process.
 */
export const REDIS_DISCONNECT_TIMEOUT_MS = 100;

/**
 * A subscriber of its own (a subscribed connection can run no other command). It waits for Redis
 * as long as it takes, and ioredis subscribes again after every reconnect.
 */
export function createSubscriberConnection(url: string, connectionName = 'nextbuy-subscriber'): Redis {
  return new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
    connectionName,
  });
}
