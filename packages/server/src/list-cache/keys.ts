/**
 * The serving list cache's key layout, shared by serving (reads through it) and the real-time
 * refresh (writes a customer's new list into it), so both always name the same key. The values'
 * format, its encoders and decoders, is in `cached-list.ts` beside it.
 */

/** Default prefix of every cache key: under the deployment's queue prefix, so deployments sharing a Redis never mix. */
export const listCachePrefix = (queuePrefix: string): string => `${queuePrefix}:cache`;

/** `{prefix}:rec:{buildId}:{customerId}`: one customer's stored list in one build. */
export const customerListCacheKey = (prefix: string, buildId: string, customerId: string): string =>
  `${prefix}:rec:${buildId}:${customerId}`;

/** One hour: keys name their build, so this only bounds how long a superseded build's keys linger. */
export const LIST_CACHE_TTL_SECONDS = 3600;

/** `{prefix}:top:{buildId}:{customerId}`: the top of one customer's list, as an answer's items. */
export const customerTopCacheKey = (prefix: string, buildId: string, customerId: string): string =>
  `${prefix}:top:${buildId}:${customerId}`;

/** Items kept in a list's top: the default `limit` (10) and a row of 12 are answered from it. */
export const TOP_ITEMS = 12;
