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
    const head = itemHead(item);
    const reasons = JSON.stringify(item.reasons ?? []);
    const meta = `[${Buffer.byteLength(head)},${Buffer.byteLength(reasons)},${JSON.stringify(item.product_id)},${JSON.stringify(item.category ?? null)},${JSON.stringify(item.strategy)},${JSON.stringify(item.score)}]`;
    out += `${meta}\t${head}${reasons}\n`;
  }
  return out;
}

/** An item's JSON up to its rank, in SPEC field order: `{"product_id":…,"name":…,"category":…,"score":…,"rank":`. */
function itemHead(item: RankedItem): string {
  return (
    `{"product_id":${JSON.stringify(item.product_id)},"name":${JSON.stringify(item.name ?? null)},` +
    `"category":${JSON.stringify(item.category ?? null)},"score":${JSON.stringify(item.score)},"rank":`
  );
}

/** `{prefix}:top:{buildId}:{customerId}`: the top of one customer's list, as an answer's items. */
export const customerTopCacheKey = (prefix: string, buildId: string, customerId: string): string =>
  `${prefix}:top:${buildId}:${customerId}`;

/** Items kept in a list's top: the default `limit` (10) and a row of 12 are answered from it. */
export const TOP_ITEMS = 12;

/** First line of a cached top (`encodeTopAnswer`). */
export const TOP_ANSWER_HEADER = '#top-v1\n';

/**
 * The cached top of a customer's list: what the storefront's usual call (no filters, no experiment
 * blend, `limit` ≤ `TOP_ITEMS`) answers, ready to send. After the header, one line of META,
 * `[[end of item 1, …], [product_id, …], [strategy, …]]` (where each item's JSON ends in the items
 * text, in bytes, and what the answer log records), then the items text: the first `TOP_ITEMS` items ranked
 * 1..n, comma-separated, exactly as an answer's `items` array holds them. An answer of `limit` n is
 * the text up to the n-th end: nothing parsed but META, nothing serialised.
 */
export function encodeTopAnswer(items: readonly RankedItem[] | null): string {
  if (items === null) return 'null';
  const top = items.slice(0, TOP_ITEMS);
  const ends: number[] = [];
  let text = '';
  let bytes = 0;
  top.forEach((item, i) => {
    const json = `${i > 0 ? ',' : ''}${itemHead(item)}${i + 1},"strategy":${JSON.stringify(item.strategy)},"reasons":${JSON.stringify(item.reasons ?? [])}}`;
    text += json;
    bytes += Buffer.byteLength(json);
    ends.push(bytes);
  });
  const meta = JSON.stringify([ends, top.map((i) => i.product_id), top.map((i) => i.strategy)]);
  return `${TOP_ANSWER_HEADER}${meta}\n${text}`;
}
