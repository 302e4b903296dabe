import { REDIS_DISCONNECT_TIMEOUT_MS as DISCONNECT_TIMEOUT_MS } from '@nextbuy/server';
import Redis, { Cluster } from 'ioredis';

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
