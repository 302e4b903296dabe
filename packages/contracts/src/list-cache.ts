import type { RankedItem } from './api';

/**
 * The serving list cache's key layout, shared by serving (reads through it) and the real-time
 * refresh (writes a customer's new list into it), so both always name the same key.
 */

/** Default prefix of every cache key: under the deployment's queue prefix, so deployments sharing a Redis never mix. */
export const listCachePrefix = (queuePrefix: string): string => `${queuePrefix}:cache`;

/** `{prefix}:rec:{buildId}:{customerId}`: one customer's stored list in one build. */
export const customerListCacheKey = (prefix: string, buildId: string, customerId: string): string =>
  `${prefix}:rec:${buildId}:${customerId}`;

/** One hour: keys name their build, so this only bounds how long a superseded build's keys linger. */
export const LIST_CACHE_TTL_SECONDS = 3600;

/**
 * First line of a cached list in the item-lines format below. Serving reads any other value as plain
 * JSON (an array of items, or `null` for a list the build does not have), only more slowly.
 */
export const LIST_CACHE_HEADER = '#ranked-items-v2\n';

/**
 * The cached value of a stored list, laid out so serving answers without parsing or re-serialising
 * items: after the header, one line per item, `META \t HEAD REASONS`, where META is
 * `[head bytes, reasons bytes, product_id, category, strategy, score]` (where the parts end, and what
 * request filters and the answer log read), HEAD the item's JSON up to its rank
 * (`{"product_id":…,"name":…,"category":…,"score":…,"rank":`) and REASONS its `reasons` array. An
 * answer writes HEAD, the rank, the strategy and REASONS (SPEC field order). JSON.stringify escapes
 * tabs and newlines inside strings, so raw ones only ever end a META or a line.
 */
export function encodeListCache(items: readonly RankedItem[] | null): string {
  if (items === null) return 'null';
  let out = LIST_CACHE_HEADER;
  for (const item of items) {
    const productId = JSON.stringify(item.product_id);
    const category = JSON.stringify(item.category ?? null);
    const score = JSON.stringify(item.score);
    const head =
      `{"product_id":${productId},"name":${JSON.stringify(item.name ?? null)},"category":${category},` +
      `"score":${score},"rank":`;
    const reasons = JSON.stringify(item.reasons ?? []);
    const meta = `[${Buffer.byteLength(head)},${Buffer.byteLength(reasons)},${productId},${category},${JSON.stringify(item.strategy)},${score}]`;
    out += `${meta}\t${head}${reasons}\n`;
  }
  return out;
}
