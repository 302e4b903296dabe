import { hash } from 'node:crypto';
import { type RankedItem, STRATEGIES, type Strategy } from '@nextbuy/contracts';
import { TOP_ITEMS } from './keys';

/**
 * The cache values of stored lists, written by the real-time refresh and serving's read-through
 * fills, and read by serving: the bytes of the cache value (`encodeListCache`), read one item at a time. An item's filter fields are parsed when a request reaches it; its JSON is never parsed
 * nor re-serialised, an answer copies its bytes. Parsing and re-serialising whole items was the
 * largest cost of the serving hot path (BENCHMARKS.md, serving load).
 */

/**
 * Start of a cached list in the item-lines format below: the header, then the list's token
 * (`TOKEN_LENGTH` characters) and a newline. Serving also reads the format before tokens
 * (`LEGACY_LIST_HEADER`: its token is the digest of the value) and any other value as plain JSON
 * (an array of items, or `null` for a list the build does not have), only more slowly.
 */
export const LIST_CACHE_HEADER = '#ranked-items-v3 ';
/** The item-lines format before a list carried its token (values written by earlier versions). */
const LEGACY_LIST_HEADER = '#ranked-items-v2\n';

/**
 * The cached value of a stored list, laid out so serving answers without parsing or re-serialising
 * items: after the header and the token's line (`token`: the list's `listToken`, by default the
 * digest of the item lines), one line per item, `META \t HEAD REASONS`, where META is
 * `[head bytes, reasons bytes, product_id, category, strategy, score]` (where the parts end, and what
 * request filters and the answer log read), HEAD the item's JSON up to its rank
 * (`{"product_id":…,"name":…,"category":…,"score":…,"rank":`) and REASONS its `reasons` array. An
 * answer writes HEAD, the rank, the strategy and REASONS (SPEC field order). JSON.stringify escapes
 * tabs and newlines inside strings, so raw ones only ever end a META or a line.
 */
export function encodeListCache(items: readonly RankedItem[] | null, token?: string): string {
  if (items === null) return 'null';
  let body = '';
  for (const item of items) {
    const head = itemHead(item);
    const reasons = JSON.stringify(item.reasons ?? []);
    const meta = `[${Buffer.byteLength(head)},${Buffer.byteLength(reasons)},${JSON.stringify(item.product_id)},${JSON.stringify(item.category ?? null)},${JSON.stringify(item.strategy)},${JSON.stringify(item.score)}]`;
    body += `${meta}\t${head}${reasons}\n`;
  }
  return `${LIST_CACHE_HEADER}${checkedToken(token ?? listToken(body))}\n${body}`;
}

/** The token a list's cache value (`encodeListCache`) carries. */
export function listCacheToken(value: string): string {
  return value.slice(LIST_CACHE_HEADER.length, LIST_CACHE_HEADER.length + TOKEN_LENGTH);
}

/** An item's JSON up to its rank, in SPEC field order: `{"product_id":…,"name":…,"category":…,"score":…,"rank":`. */
function itemHead(item: RankedItem): string {
  return (
    `{"product_id":${JSON.stringify(item.product_id)},"name":${JSON.stringify(item.name ?? null)},` +
    `"category":${JSON.stringify(item.category ?? null)},"score":${JSON.stringify(item.score)},"rank":`
  );
}

/**
 * What identifies a stored list: a digest of what it was made from (the packed row serving read, or
 * the items the real-time refresh ranked). A cached list and its top carry the same token, so serving
 * can tell whether something it worked out from a list read earlier (an answer the rules reshaped,
 * `ShapedTops`) still belongs to the list the top stands for, without reading the list.
 */
export function listToken(source: string | Buffer): string {
  return hash('sha1', source, 'base64url');
}

/** Characters of a `listToken` (a SHA-1 in base64url). */
const TOKEN_LENGTH = 27;

/** `token`, if it is one (`listToken`'s shape): anything else would write a value no reader can read. */
function checkedToken(token: string): string {
  if (!/^[\w-]{27}$/.test(token)) throw new Error(`not a list token: ${JSON.stringify(token.slice(0, 40))}`);
  return token;
}

/** First line of a cached top (`encodeTopAnswer`). */
export const TOP_ANSWER_HEADER = '#top-v3\n';
/** The top format before it carried its META's digest (values written by earlier versions). */
const LEGACY_TOP_HEADER = '#top-v2\n';

/**
 * The cached top of a customer's list: what the storefront's usual call (no filters, no experiment
 * blend, `limit` ≤ `TOP_ITEMS`) answers, ready to send. After the header, the line of TOKEN (the
 * list's `listToken`, `TOKEN_LENGTH` characters), the line of META's own digest (`TOKEN_LENGTH`
 * characters: what the parsed META is kept under), one line of META,
 * `[[end of item 1, …], [product_id, …], [strategy, …]]` (where each item's JSON ends in the items
 * text, in bytes, and what the answer log records), then the items text: the first `TOP_ITEMS` items ranked 1..n, comma-separated, exactly as an answer's
 * `items` array holds them. An answer of `limit` n is the text up to the n-th end: nothing parsed but
 * META, nothing serialised. `token`: the list's (`encodeListCache` of the same items carries it).
 */
export function encodeTopAnswer(items: readonly RankedItem[] | null, token?: string): string {
  if (items === null) return 'null';
  const top = items.slice(0, TOP_ITEMS);
  return encodeTop(
    top.map(
      (item, i) =>
        `${itemHead(item)}${i + 1},"strategy":${JSON.stringify(item.strategy)},"reasons":${JSON.stringify(item.reasons ?? [])}}`,
    ),
    top.map((i) => i.product_id),
    top.map((i) => i.strategy),
    token ?? listCacheToken(encodeListCache(items)),
  );
}

/**
 * A cached top (`encodeTopAnswer`) from its items' JSON (each ranked 1..n in order, SPEC field
 * order): for a writer that renders items itself (serving reading a packed list renders only these).
 */
export function encodeTop(
  itemJsons: readonly string[],
  productIds: readonly string[],
  strategies: readonly Strategy[],
  token: string,
): string {
  const { head, text } = topParts(itemJsons, productIds, strategies, token);
  return `${head}${text}`;
}

/** A cached top's value in two parts: up to its items (header, TOKEN, META's digest, META), then its items text. */
function topParts(
  itemJsons: readonly string[],
  productIds: readonly string[],
  strategies: readonly Strategy[],
  token: string,
): { head: string; text: string; charEnds: number[] } {
  // One flat string, written once (`+=` and a byte count per item copied every item twice more).
  const text = itemJsons.join(',');
  // Ends in bytes (META's) are the ends in characters when the text is ASCII, as it mostly is.
  const ascii = Buffer.byteLength(text) === text.length;
  const ends: number[] = [];
  const charEnds: number[] = [];
  let bytes = 0;
  let chars = 0;
  itemJsons.forEach((json, i) => {
    const comma = i > 0 ? 1 : 0;
    chars += json.length + comma;
    bytes += (ascii ? json.length : Buffer.byteLength(json)) + comma;
    charEnds.push(chars);
    ends.push(bytes);
  });
  const meta = JSON.stringify([ends, productIds, strategies]);
  return {
    head: `${TOP_ANSWER_HEADER}${checkedToken(token)}\n${listToken(meta)}\n${meta}\n`,
    text,
    charEnds,
  };
}

const NEWLINE = 0x0a;
const HEADER = Buffer.from(LIST_CACHE_HEADER, 'utf8');
const LEGACY_HEADER = Buffer.from(LEGACY_LIST_HEADER, 'utf8');
const TAB = 0x09;

/** What request filters, variant blends and the answer log read of an item. */
export interface ListItem {
  readonly product_id: string;
  readonly category: string | null;
  readonly strategy: Strategy;
  readonly score: number;
}

/** An item of a cached list: its filter fields, and where its JSON lies in the list's bytes. */
export class CachedItem implements ListItem {
  constructor(
    readonly product_id: string,
    readonly category: string | null,
    readonly strategy: Strategy,
    readonly score: number,
    private readonly raw: Buffer,
    private readonly headStart: number,
    private readonly headEnd: number,
    private readonly reasonsEnd: number,
  ) {}

  /** The same item answered under another strategy (the popular fallback labels its items `popular`). */
  as(strategy: Strategy): CachedItem {
    if (strategy === this.strategy) return this;
    const { raw, headStart, headEnd, reasonsEnd } = this;
    return new CachedItem(
      this.product_id,
      this.category,
      strategy,
      this.score,
      raw,
      headStart,
      headEnd,
      reasonsEnd,
    );
  }

  /**
   * Appends the item's JSON at `rank` to `out`; `extraReason` (a reason object's JSON, e.g. a
   * merchandising rule's) is added at the end of its `reasons`.
   */
  write(out: Buffer[], rank: number, extraReason?: Buffer): void {
    out.push(this.raw.subarray(this.headStart, this.headEnd), rankBytes(rank), STRATEGY_BYTES[this.strategy]);
    if (extraReason === undefined) out.push(this.raw.subarray(this.headEnd, this.reasonsEnd));
    else {
      // REASONS is a JSON array: its bytes up to the closing `]`, then `,` (unless empty) and the reason.
      const closing = this.reasonsEnd - 1;
      const empty = closing - this.headEnd <= 1;
      out.push(
        this.raw.subarray(this.headEnd, closing),
        empty ? extraReason : Buffer.concat([COMMA, extraReason]),
        CLOSE_ARRAY,
      );
    }
    out.push(CLOSE_ITEM);
  }
}

/** `,"strategy":"…","reasons":` of each strategy: what sits between an item's rank and its reasons. */
const STRATEGY_BYTES = Object.fromEntries(
  STRATEGIES.map((s) => [s, Buffer.from(`,"strategy":${JSON.stringify(s)},"reasons":`)]),
) as Record<Strategy, Buffer>;
const CLOSE_ITEM = Buffer.from('}');
const CLOSE_ARRAY = Buffer.from(']');
const COMMA = Buffer.from(',');
/** Ranks 1..50 (the largest `limit`) are written often: made once. */
const RANKS = Array.from({ length: 51 }, (_, i) => Buffer.from(String(i)));
const rankBytes = (rank: number) => RANKS[rank] ?? Buffer.from(String(rank));

/** The lines of one cache value, read on demand and kept: shared by a list and its relabelled views. */
class ItemLines {
  readonly items: CachedItem[] = [];
  /** Where the first line not yet read starts. */
  private next: number;

  constructor(
    readonly raw: Buffer,
    /** The list's `listToken`, where the value carries it (else worked out when asked). */
    private knownToken: string | undefined,
    /** Where the first item's line starts. */
    itemsStart: number,
  ) {
    this.next = itemsStart;
  }

  /** The list's token: carried in the header, or, for a value of the format before, its digest. */
  get token(): string {
    return (this.knownToken ??= listToken(this.raw));
  }

  /** The item at `index`, `undefined` past the end. */
  at(index: number): CachedItem | undefined {
    while (this.items.length <= index) {
      const item = this.readLine();
      if (!item) return undefined;
      this.items.push(item);
    }
    return this.items[index];
  }

  private readLine(): CachedItem | undefined {
    const { raw } = this;
    const start = this.next;
    if (start >= raw.length) return undefined;
    const metaEnd = raw.indexOf(TAB, start);
    const [headBytes, reasonsBytes, productId, category, strategy, score] = JSON.parse(
      raw.toString('utf8', start, metaEnd),
    ) as [number, number, string, string | null, Strategy, number];
    const headEnd = metaEnd + 1 + headBytes;
    const end = headEnd + reasonsBytes;
    this.next = end + 1;
    return new CachedItem(productId, category, strategy, score, raw, metaEnd + 1, headEnd, end);
  }
}

/**
 * A stored list read from its cache bytes. Iterating parses each item's filter fields as it is
 * reached (then keeps them), so a request that stops at its `limit` leaves the rest untouched.
 * Read-only: concurrent requests may share one.
 */
export class CachedList implements Iterable<CachedItem> {
  private constructor(
    private readonly lines: ItemLines,
    /** Set on a relabelled view: every item answers under this strategy. */
    private readonly strategy?: Strategy,
  ) {}

  /** A list from items (read from Postgres, or a plain JSON array written by another writer). */
  static of(items: readonly RankedItem[], token?: string): CachedList {
    return CachedList.decode(Buffer.from(encodeListCache(items, token), 'utf8'))!;
  }

  /**
   * The list a cache value holds, `null` for a list the build does not have, `undefined` for a
   * value this version cannot read (a miss: it is loaded again and overwritten).
   */
  static decode(raw: Buffer): CachedList | null | undefined {
    const tokenEnd = HEADER.length + TOKEN_LENGTH;
    if (raw.length > tokenEnd && HEADER.compare(raw, 0, HEADER.length) === 0 && raw[tokenEnd] === NEWLINE)
      return new CachedList(
        new ItemLines(raw, raw.toString('latin1', HEADER.length, tokenEnd), tokenEnd + 1),
      );
    if (raw.length >= LEGACY_HEADER.length && LEGACY_HEADER.compare(raw, 0, LEGACY_HEADER.length) === 0)
      return new CachedList(new ItemLines(raw, undefined, LEGACY_HEADER.length));
    try {
      const value = JSON.parse(raw.toString('utf8')) as unknown;
      if (value === null) return null;
      if (Array.isArray(value)) return CachedList.of(value as RankedItem[]);
    } catch {
      // unreadable: a miss
    }
    return undefined;
  }

  /** The same items answered under `strategy`. */
  as(strategy: Strategy): CachedList {
    return new CachedList(this.lines, strategy);
  }

  /** The item at `index`, `undefined` past the end. */
  at(index: number): CachedItem | undefined {
    const item = this.lines.at(index);
    return item && this.strategy ? item.as(this.strategy) : item;
  }

  *[Symbol.iterator](): Iterator<CachedItem> {
    for (let i = 0; ; i++) {
      const item = this.at(i);
      if (!item) return;
      yield item;
    }
  }

  /** The value this list is cached as. */
  bytes(): Buffer {
    return this.lines.raw;
  }

  /** The list's `listToken` (its top carries the same). */
  get token(): string {
    return this.lines.token;
  }
}

/** What an answer writes: a cached item, or one that serve-time rules changed or brought in. */
export interface AnswerItem {
  /** Appends the item's JSON at `rank` to `out`. */
  write(out: Buffer[], rank: number): void;
}

/** `items` as a JSON array, ranked 1..n in order. */
export function writeItems(out: Buffer[], items: readonly AnswerItem[]): void {
  items.forEach((item, i) => {
    if (i > 0) out.push(COMMA);
    item.write(out, i + 1);
  });
}

/** `items` decoded, ranked 1..n in order (product lists and tests, off the hot path). */
export function rankedItems(items: readonly AnswerItem[]): RankedItem[] {
  const out: Buffer[] = [Buffer.from('[')];
  writeItems(out, items);
  out.push(Buffer.from(']'));
  return JSON.parse(Buffer.concat(out).toString('utf8')) as RankedItem[];
}

const TOP_HEADER = Buffer.from(TOP_ANSWER_HEADER, 'utf8');
const LEGACY_TOP = Buffer.from(LEGACY_TOP_HEADER, 'utf8');

interface TopMeta {
  readonly ends: readonly number[];
  readonly productIds: readonly string[];
  readonly strategies: readonly Strategy[];
  /** Bytes of the META line it was parsed from. */
  readonly length: number;
}
/**
 * Parsed META lines by their digest: parsing one on every request was the largest cost of the usual
 * call after the socket writes (~8 µs of ~100, BENCHMARKS.md "Serving, fifth pass"). Shared read-only.
 */
const TOP_METAS = new Map<string, TopMeta>();
/** ~1 KB each: a few MB for Online Retail; a larger store re-parses past this (cleared when full). */
const TOP_METAS_HELD = 20_000;

/**
 * The cached top of a customer's list (`encodeTopAnswer`): the storefront's usual call is answered
 * from its bytes, with nothing parsed but its META line. Also what serving keeps of an answer the
 * serve-time rules reshaped (`CachedTop.ofAnswer`), answered the same way.
 */
export class CachedTop {
  private constructor(
    /** Where each item's JSON ends, from the start of the items: in bytes of `raw`, or characters when `raw` is a string. */
    private readonly ends: readonly number[],
    readonly productIds: readonly string[],
    readonly strategies: readonly Strategy[],
    /** `listToken` of the list this top was taken from. */
    readonly token: string,
    /** A cache value read back (bytes), or items rendered here (their text). */
    private readonly raw: Buffer | string,
    private readonly itemsStart: number,
  ) {}

  /** `null` for a customer the build has no list for, `undefined` for a value this version cannot read. */
  static decode(raw: Buffer): CachedTop | null | undefined {
    if (raw.length === 4 && raw.toString('latin1') === 'null') return null;
    // `#top-v3`: TOKEN, META's digest, META; `#top-v2` (before the digest): TOKEN, META, keyed by TOKEN.
    const legacy = raw.length > LEGACY_TOP.length && LEGACY_TOP.compare(raw, 0, LEGACY_TOP.length) === 0;
    if (!legacy && !(raw.length > TOP_HEADER.length && TOP_HEADER.compare(raw, 0, TOP_HEADER.length) === 0))
      return undefined;
    const tokenEnd = TOP_HEADER.length + TOKEN_LENGTH;
    const keyEnd = legacy ? tokenEnd : tokenEnd + 1 + TOKEN_LENGTH;
    if (raw.length <= keyEnd || raw[tokenEnd] !== NEWLINE || raw[keyEnd] !== NEWLINE) return undefined;
    const metaEnd = raw.indexOf(NEWLINE, keyEnd + 1);
    if (metaEnd < 0) return undefined;
    const token = raw.toString('latin1', TOP_HEADER.length, tokenEnd);
    const metaKey = legacy ? token : raw.toString('latin1', tokenEnd + 1, keyEnd);
    // One digest, one META: parsed once per process.
    let meta = TOP_METAS.get(metaKey);
    if (meta === undefined || meta.length !== metaEnd - keyEnd - 1) {
      try {
        const [ends, productIds, strategies] = JSON.parse(raw.toString('utf8', keyEnd + 1, metaEnd)) as [
          number[],
          string[],
          Strategy[],
        ];
        meta = { ends, productIds, strategies, length: metaEnd - keyEnd - 1 };
      } catch {
        return undefined;
      }
      if (TOP_METAS.size >= TOP_METAS_HELD) TOP_METAS.clear();
      TOP_METAS.set(metaKey, meta);
    }
    return new CachedTop(meta.ends, meta.productIds, meta.strategies, token, raw, metaEnd + 1);
  }

  /**
   * A top made from its items' JSON (as `encodeTop` takes them), with its cache value (`bytes`,
   * what `encodeTop` writes): a writer that renders the items answers from the top at once, rather
   * than reading back the value it caches (a META parsed and kept for a top that may never be read
   * again).
   */
  static rendered(
    itemJsons: readonly string[],
    productIds: readonly string[],
    strategies: readonly Strategy[],
    token: string,
  ): { top: CachedTop; bytes: string } {
    // The items as text, ends in characters: no Buffer. Buffers live outside V8's heap, and the
    // bytes they add up to start a full mark-compact every 64 MB (BENCHMARKS.md, "Cold reads").
    const { head, text, charEnds } = topParts(itemJsons, productIds, strategies, token);
    return { top: new CachedTop(charEnds, productIds, strategies, token, text, 0), bytes: `${head}${text}` };
  }

  /**
   * The top of an answer's items (ranked 1..n in order) as written by `writeItems`, kept under the
   * `token` of the list they were shaped from: a prefix of it is what a smaller `limit` answers.
   */
  static ofAnswer(items: readonly (ListItem & AnswerItem)[], token: string): CachedTop {
    const out: Buffer[] = [];
    const ends: number[] = [];
    let bytes = 0;
    items.forEach((item, i) => {
      const from = out.length;
      if (i > 0) out.push(COMMA);
      item.write(out, i + 1);
      for (let k = from; k < out.length; k++) bytes += out[k]!.length;
      ends.push(bytes);
    });
    return new CachedTop(
      ends,
      items.map((i) => i.product_id),
      items.map((i) => i.strategy),
      token,
      Buffer.concat(out, bytes),
      0,
    );
  }

  /** Items it holds (fewer than `TOP_ITEMS` for a short list). */
  get size(): number {
    return this.ends.length;
  }

  /** Bytes it holds (what keeping it in memory costs, roughly). */
  get byteLength(): number {
    return this.raw.length;
  }

  /** The JSON of the first `n` items (`n` ≤ `size`), comma-separated, ranked 1..n. */
  items(n: number): Buffer {
    return typeof this.raw === 'string'
      ? Buffer.from(this.itemsText(n), 'utf8')
      : this.raw.subarray(...this.span(n));
  }

  /** `items(n)` as text. */
  itemsText(n: number): string {
    const [start, end] = this.span(n);
    return typeof this.raw === 'string' ? this.raw.slice(start, end) : this.raw.toString('utf8', start, end);
  }

  /**
   * An answer of the first `n` items between `open` and `close`, as the top holds them: text for a
   * top rendered here (written to the socket from the stack, where a Buffer of it would be one more
   * allocation outside V8's heap: such bytes start a full mark-compact every 64 MB, BENCHMARKS.md
   * "Cold reads"), bytes for a top read from the cache (copied, not decoded and encoded again).
   */
  answer(open: string, n: number, close: string): Buffer | string {
    if (typeof this.raw === 'string') return `${open}${this.itemsText(n)}${close}`;
    return Buffer.concat([Buffer.from(open, 'utf8'), this.items(n), Buffer.from(close, 'utf8')]);
  }

  /** Where the first `n` items lie in `raw`. */
  private span(n: number): [number, number] {
    return [this.itemsStart, n <= 0 ? this.itemsStart : this.itemsStart + this.ends[n - 1]!];
  }
}
