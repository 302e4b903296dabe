import Redis, { Cluster } from 'ioredis';

/**
 * How long a disconnect waits for the socket to close before destroying it. ioredis's 2 s default
 * outlives shutdown when Redis is away: a socket that already closed never reports closing again,
 * so the timer runs to its end and holds the process.
 */
const DISCONNECT_TIMEOUT_MS = 100;

/**
 * The cache's connection: fails fast. No offline queue and no retries, so while Redis is away a
 * command fails at once instead of waiting; `commandTimeoutMs` bounds a Redis that hangs.
 */
export function createCacheConnection(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, cacheOptions(commandTimeoutMs));
}

function cacheOptions(commandTimeoutMs: number) {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    // No auto-pipelining: reads are batched per event-loop turn by `BatchedGet` instead (see there).
    connectionName: 'nextbuy-serving-cache',
  };
}

/**
 * The cache on a Redis Cluster (`REDIS_CLUSTER`: its seed nodes), failing as fast as the single
 * connection above: no offline queue, no retries, the same command timeout on every node.
 */
export function createClusterCacheConnection(nodes: readonly string[], commandTimeoutMs: number): Cluster {
  const { lazyConnect, enableOfflineQueue, ...redisOptions } = cacheOptions(commandTimeoutMs);
  return new Cluster(
    nodes.map((node) => {
      const url = new URL(node.includes('://') ? node : `redis://${node}`);
      return { host: url.hostname, port: Number(url.port || 6379) };
    }),
    { lazyConnect, enableOfflineQueue, redisOptions },
  );
}

/**
 * A subscriber of its own (a subscribed connection can run no other command). It waits for Redis
 * as long as it takes, and ioredis subscribes again after every reconnect.
 */
export function createSubscriberConnection(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    connectionName: 'nextbuy-serving-builds',
  });
}
