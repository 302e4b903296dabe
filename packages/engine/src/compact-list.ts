/**
 * Compact stored lists (issue #13, "Compact lists"): what an answer needs of each item (product,
 * score, strategy, reason codes with their values and shares, and the keys of what a reason cites),
 * packed in a few bytes, with `name`, `category` and every reason's `text` rendered when the list is
 * read, from the catalogue, in the same words and JSON as the items the build made.
 *
 * Exactness: the encoder renders each item as the reader will, from the names the writer passes
 * (the build's catalogue), and stores literally whatever would not come out the same (a text
 * worded from a value before rounding, a name no catalogue holds, a feature no build knows), so
 * `renderItems(decodeList(encodeList(items, names)), names)` is byte for byte the JSON of `items`.
 *
 * Products are named by their index in the build's product dictionary (`ListDictionary`: the
 * snapshot's sorted product ids, a build artifact loaded once per build by every reader), a product
 * it does not hold (one added after the build, in a real-time refresh) by its id among the strings.
 *
 * Layout of version 2 (integers as unsigned LEB128 varints; a value or support as `unsigned` makes
 * it: `2v` when whole, `2k + 1` for `k` of its rounding steps, else a float64 flagged beside it):
 *   VERSION byte, flags (bit 0: a segment follows), [segment string],
 *   string count, strings (`Writer.string`): ids of products the dictionary lacks, names and texts
 *   stored literally; then the item count and per item, in rank order:
 *     product (a product reference: `2 × dictionary index`, or `2 × string index + 1`), head byte:
 *     strategy (bits 0–2) | reason count (bits 3–6; 15: a varint follows) | bit 7: a literals byte
 *     follows (bit 0 name, bit 1 category: string index + 1, 0 for null; bit 2 score as a float64;
 *     bit 3 the score rises), score in millionths (the first as it is, the others as the step down
 *     from the one before),
 *     per reason: head byte: feature (bits 0–5: FEATURES index, OTHER, or NAMED: a string index
 *     follows) | bits 6–7 its form: PLAIN value, share; REPEAT share (the value is that of the
 *     list's previous reason of the same feature: a customer's own features repeat down a list);
 *     CITES value, share, cited product (a product reference), support; FLAGGED a flags byte (bit 0
 *     text stored, bit 1 no text, bits 2–4 value, share, support as float64, bit 5 cites, bit 6
 *     value repeated), then the parts the flags say. A share is in ten-thousandths; the item's last
 *     as the zigzag difference from what the others leave of 1 (shares sum to 1: mostly 0).
 * Version 1 (products by id among the strings, numbers zigzag, a flags byte wherever a reason cites
 * a product) is still read: the lists of builds stored before version 2.
 * Bytes per customer (BENCHMARKS.md, compact lists): Online Retail 1,516 in version 1, 1,195 in
 * version 2, against 28.6 KB of JSON; the synthetic small store 862.
 */
import { STRATEGIES, type RankedItem, type Reason, type Strategy } from '@nextbuy/contracts';
import { FEATURES, type ReasonContext } from './rank/features';

/** First byte of a compact list: JSON starts with `[` or `n`, the cache formats with `#`. */
export const COMPACT_LIST_VERSION = 0x02;
/** Lists of builds stored before the product dictionary: read, never written. */
const COMPACT_LIST_V1 = 0x01;

/**
 * A build's product dictionary: its product ids, sorted, so that a stored list names a product by
 * its index (2 bytes for up to 8,192 products, 3 up to a million) instead of its id. A build
 * output (the snapshot stage stores it), loaded once per build by serving and the real-time refresh.
 */
export class ListDictionary {
  private index?: Map<string, number>;
  constructor(readonly productIds: readonly string[]) {}

  /** The index of `productId`, `undefined` for a product the build did not know. */
  indexOf(productId: string): number | undefined {
    this.index ??= new Map(this.productIds.map((id, i) => [id, i]));
    return this.index.get(productId);
  }

  /**
   * Whether product `i` of `ids` is this dictionary's product `i`, for every `i`: the same ids, each
   * once (a list may then name the products of `ids` by their index without looking them up).
   */
  indexesSnapshot(ids: readonly string[]): boolean {
    if (ids.length !== this.productIds.length) return false;
    if (ids !== this.productIds)
      for (let i = 0; i < ids.length; i++) if (ids[i] !== this.productIds[i]) return false;
    this.index ??= new Map(this.productIds.map((id, i) => [id, i]));
    return this.index.size === ids.length;
  }

  /** The artifact's bytes: the count, then each id as lists store strings. */
  encode(): Buffer {
    const w = new Writer();
    w.varint(this.productIds.length);
    for (const id of this.productIds) w.string(id);
    return Writer.concat(w);
  }

  static decode(raw: Uint8Array): ListDictionary {
    const r = new Reader(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    const ids = new Array<string>(r.varint());
    for (let i = 0; i < ids.length; i++) ids[i] = r.string();
    return new ListDictionary(ids);
  }
}

/** The build artifact holding its product dictionary (`ListDictionary.encode`), stored with the snapshot. */
export const LIST_DICTIONARY = 'list-dictionary';

/**
 * The product dictionary of build `buildId`, from its artifacts; an empty one for a build stored
 * before dictionaries (its lists, version 1, name every product by id).
 */
export async function loadListDictionary(
  artifacts: { loadArtifactIfAny(buildId: string, name: string): Promise<Uint8Array | null> },
  buildId: string,
): Promise<ListDictionary> {
  const raw = await artifacts.loadArtifactIfAny(buildId, LIST_DICTIONARY);
  return raw === null ? NO_DICTIONARY : ListDictionary.decode(raw);
}

/** An empty dictionary: every product named by its id (lists written without a build's dictionary). */
const NO_DICTIONARY = new ListDictionary([]);

/** A stored reason: what `RankedItem` carries, plus what its text cites. */
export interface StoredReason extends Reason {
  /** The product the reason cites ("similar to X"): its id. */
  via?: string;
  /** Customers or orders behind the cited link. */
  support?: number;
}

/** A stored item: `RankedItem` whose reasons may name what they cite. */
export interface StoredItem extends Omit<RankedItem, 'reasons'> {
  reasons: StoredReason[];
}

/** A list to store: its items in rank order, and the customer's segment (reasons about the segment cite it). */
export interface StoredList {
  items: readonly StoredItem[];
  segment?: string | null;
}

/** Where rendering reads names: the build's catalogue when writing, serving's catalogue when reading. */
export interface CatalogNames {
  /** An answer's `name` of the product (`null`: none, or unknown). */
  name(productId: string): string | null;
  /** An answer's `category` of the product (`null`: none, or unknown). */
  category(productId: string): string | null;
  /** How a reason names a product it cites: its name, else its id. */
  viaName(productId: string): string;
}

/** Feature code of the "other signals" reason. */
const OTHER = 62;
/** Feature code of a feature this build does not know: its name follows as a string. */
const NAMED = 63;
const FEATURE_CODE = new Map(FEATURES.map((f, i) => [f.name, i]));
if (FEATURES.length > OTHER) throw new Error('compact lists code features in 6 bits');
const STRATEGY_CODE = new Map(STRATEGIES.map((s, i) => [s, i]));
const OTHER_TEXT = 'other signals';

// --- writing ---------------------------------------------------------------------------------

/** Ids made of digits only (most of Online Retail's), as a number: 3 bytes for `22423` instead of 6. */
const DIGITS = /^(?:0|[1-9][0-9]{0,13})$/;

class Writer {
  private buf = Buffer.allocUnsafe(1024);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** Empties the writer, keeping its buffer (a list is written by writers reused from the last). */
  reset(): void {
    this.length = 0;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  float(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  /** A string: `n * 2 + 1` for a string of digits `n`, else its UTF-8 byte length `* 2`, then the bytes. */
  string(s: string): void {
    if (DIGITS.test(s)) return this.varint(Number(s) * 2 + 1);
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n * 2);
    this.room(n);
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  /** A copy of what `writers` hold, one after the other. */
  static concat(...writers: Writer[]): Buffer {
    const out = Buffer.allocUnsafe(writers.reduce((n, w) => n + w.length, 0));
    let at = 0;
    for (const w of writers) at += w.buf.copy(out, at, 0, w.length);
    return out;
  }
}

/** Largest integer a number is written as a varint for (beyond: a float). */
const MAX_VARINT = 2 ** 48;

const zigzag = (v: number) => (v < 0 ? -2 * v - 1 : 2 * v);
const unzigzag = (u: number) => (u % 2 === 1 ? -(u + 1) / 2 : u / 2);

const SCORE_SCALE = 1e6;
const VALUE_SCALE = 1e3;
const SHARE_SCALE = 1e4;

/** The strings of one list, each stored once. */
class Strings {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/** The text a reader renders for a reason of an item in `category` (the catalogue's). */
function renderText(
  code: number,
  value: number,
  via: string | undefined,
  support: number | undefined,
  category: string | null,
  segment: string | undefined,
  names: CatalogNames,
): string {
  if (code === OTHER) return OTHER_TEXT;
  const ctx: ReasonContext = {};
  if (via !== undefined) {
    ctx.viaName = names.viaName(via);
    ctx.support = support || undefined;
  }
  if (category !== null) ctx.categoryName = category;
  if (segment !== undefined) ctx.segmentName = segment;
  return FEATURES[code]!.text(value, ctx);
}

/**
 * A non-negative number as version 2 stores it: `2v` when whole, `2k + 1` for `k` steps of
 * `1 / scale`; `undefined` when negative or neither (a float64 is written instead, flagged).
 */
function unsigned(v: number, scale: number): number | undefined {
  if (!(v >= 0)) return undefined;
  if (Number.isInteger(v) && v < MAX_VARINT) return v * 2;
  const k = Math.round(v * scale);
  return k / scale === v && k < MAX_VARINT ? k * 2 + 1 : undefined;
}

/** A reason's form (bits 6–7 of its head byte). */
const PLAIN = 0;
const REPEAT = 1;
const CITES = 2;
const FLAGGED = 3;
/** Flags of a FLAGGED reason. */
const TEXT_STORED = 1;
const NO_TEXT = 2;
const VALUE_FLOAT = 4;
const SHARE_FLOAT = 8;
const SUPPORT_FLOAT = 16;
const CITING = 32;
const VALUE_REPEATED = 64;
/** Literals of an item: its score is above the previous item's. */
const SCORE_RISES = 8;

/**
 * A share as stored: its ten-thousandths; for an item's last reason, zigzag, less what the item's
 * other shares leave of 1. `undefined` when it is not a whole number of ten-thousandths (or, but
 * for the last, negative).
 */
function scaledShare(v: number, last: boolean, expected: number): number | undefined {
  const k = Math.round(v * SHARE_SCALE);
  if (k / SHARE_SCALE !== v || Math.abs(k) >= MAX_VARINT) return undefined;
  return last ? zigzag(k - expected) : k >= 0 ? k : undefined;
}

/** What writing one list keeps from item to item. */
class ListState {
  readonly strings = new Strings();
  /** The value of each feature's previous reason in the list (a customer's own features repeat). */
  readonly previousValue = new Map<number, number>();
  /** The last score written, in millionths (each next one is written as its step down). */
  previous = 0;
  first = true;
  constructor(readonly body: Writer) {}
}

/**
 * An item's product reference, head byte, literals and score. `name` / `category`: `undefined`
 * when the reader's catalogue gives the item's own (nothing stored), else the literal to store.
 */
function writeItemHead(
  st: ListState,
  productRef: number,
  strategy: Strategy,
  score: number,
  reasonCount: number,
  name: string | null | undefined,
  category: string | null | undefined,
): void {
  const body = st.body;
  body.varint(productRef);
  const code = STRATEGY_CODE.get(strategy);
  if (code === undefined) throw new Error(`compact lists: unknown strategy ${strategy}`);
  const k = Math.round(score * SCORE_SCALE);
  const scoreFloat = k / SCORE_SCALE !== score || Math.abs(k) >= MAX_VARINT;
  const nameLiteral = name !== undefined;
  const categoryLiteral = category !== undefined;
  const n = reasonCount;
  // The first score as it is, each next one as its step down (a step up is flagged).
  const step = scoreFloat ? 0 : st.first ? k : st.previous - k;
  const literals =
    (nameLiteral ? 1 : 0) | (categoryLiteral ? 2 : 0) | (scoreFloat ? 4 : 0) | (step < 0 ? SCORE_RISES : 0);
  body.byte(code | (Math.min(n, 15) << 3) | (literals ? 0x80 : 0));
  if (n >= 15) body.varint(n);
  if (literals) body.byte(literals);
  if (scoreFloat) body.float(score);
  else {
    body.varint(Math.abs(step));
    st.previous = k;
    st.first = false;
  }
  if (nameLiteral) body.varint(name === null ? 0 : st.strings.of(name) + 1);
  if (categoryLiteral) body.varint(category === null ? 0 : st.strings.of(category) + 1);
}

/**
 * Reason `j` of an item's `n`. `shares`: what the item's reasons before it took, in ten-thousandths
 * (returned with this one's added). `category`: the item's category in the reader's catalogue (its
 * texts are rendered with it). `productRef`s of cited products come from `ref`.
 */
function writeReason(
  st: ListState,
  j: number,
  n: number,
  shares: number,
  reason: StoredReason,
  productId: string,
  category: string | null,
  segment: string | undefined,
  names: CatalogNames | undefined,
  ref: (id: string) => number,
): number {
  const body = st.body;
  const known = reason.feature === 'other' ? OTHER : FEATURE_CODE.get(reason.feature);
  const code = known ?? NAMED;
  const via = reason.via;
  const repeated = code !== NAMED && Object.is(st.previousValue.get(code), reason.value);
  if (code !== NAMED) st.previousValue.set(code, reason.value);
  const value = repeated ? 0 : unsigned(reason.value, VALUE_SCALE);
  const share = scaledShare(reason.attribution, j === n - 1, SHARE_SCALE - shares);
  shares += Math.round(reason.attribution * SHARE_SCALE);
  const support = via === undefined ? 0 : unsigned(reason.support ?? 0, VALUE_SCALE);
  let flags =
    (value === undefined ? VALUE_FLOAT : 0) |
    (share === undefined ? SHARE_FLOAT : 0) |
    (support === undefined ? SUPPORT_FLOAT : 0);
  if (reason.text === undefined) flags |= NO_TEXT;
  else if (
    code === NAMED ||
    !names ||
    renderText(code, reason.value, via, reason.support, category, segment, names) !== reason.text
  )
    flags |= TEXT_STORED;
  let form: number;
  if (flags !== 0 || (repeated && via !== undefined)) {
    form = FLAGGED;
    flags |= (via !== undefined ? CITING : 0) | (repeated ? VALUE_REPEATED : 0);
  } else form = repeated ? REPEAT : via !== undefined ? CITES : PLAIN;
  body.byte(code | (form << 6));
  if (form === FLAGGED) body.byte(flags);
  if (code === NAMED) body.varint(st.strings.of(reason.feature));
  if (!repeated) {
    if (value === undefined) body.float(reason.value);
    else body.varint(value);
  }
  if (share === undefined) body.float(reason.attribution);
  else body.varint(share);
  if (via !== undefined) {
    body.varint(ref(via));
    if (support === undefined) body.float(reason.support!);
    else body.varint(support);
  }
  if (flags & TEXT_STORED) body.varint(st.strings.of(reason.text!));
  return shares;
}

/** The list's bytes: head (version, segment, strings), then the body written so far. */
function finishList(st: ListState, segment: string | undefined): Buffer {
  const head = headWriter;
  head.reset();
  head.byte(COMPACT_LIST_VERSION);
  head.byte(segment !== undefined ? 1 : 0);
  if (segment !== undefined) head.string(segment);
  head.varint(st.strings.list.length);
  for (const s of st.strings.list) head.string(s);
  return Writer.concat(head, st.body);
}

/**
 * The bytes of a list. `names`: the catalogue the items were worded from; without one, names and
 * texts are stored as they are (exact, larger). `dictionary`: the build's product dictionary
 * (without one, every product is stored by its id).
 */
export function encodeList(
  { items, segment }: StoredList,
  names?: CatalogNames,
  dictionary: ListDictionary = NO_DICTIONARY,
): Buffer {
  bodyWriter.reset();
  const st = new ListState(bodyWriter);
  const seg = segment ?? undefined;
  const ref = (id: string) => {
    const i = dictionary.indexOf(id);
    return i === undefined ? st.strings.of(id) * 2 + 1 : i * 2;
  };
  bodyWriter.varint(items.length);
  for (const item of items) {
    const id = item.product_id;
    const name = item.name ?? null;
    const category = item.category ?? null;
    const catalogueCategory = names ? names.category(id) : null;
    const n = item.reasons.length;
    writeItemHead(
      st,
      ref(id),
      item.strategy,
      item.score,
      n,
      names && names.name(id) === name ? undefined : name,
      names && catalogueCategory === category ? undefined : category,
    );
    // Shares sum to 1: the last is written as its difference from what the others leave.
    let shares = 0;
    for (let j = 0; j < n; j++)
      shares = writeReason(st, j, n, shares, item.reasons[j]!, id, catalogueCategory, seg, names, ref);
  }
  return finishList(st, seg);
}

/** Items of one reason each, as columns (`encodeSingleReasonList`); `count` of each are read. */
export interface SingleReasonColumns {
  count: number;
  /** The product, by its index in the build's product dictionary (the snapshot's index). */
  product: Int32Array;
  score: Float64Array;
  /** The reason's value. */
  value: Float64Array;
  /** The reason's attribution (its share of the score). */
  share: Float64Array;
}

/** Columns for lists of up to `capacity` items. */
export const singleReasonColumns = (capacity: number): SingleReasonColumns => ({
  count: 0,
  product: new Int32Array(capacity),
  score: new Float64Array(capacity),
  value: new Float64Array(capacity),
  share: new Float64Array(capacity),
});

/**
 * Items of one reason each, given as columns rather than objects: `encodeList`'s bytes for the
 * items `{ product_id: ids[product[i]], name and category: the catalogue's, score: score[i],
 * strategy, reasons: [{ feature, value: value[i], attribution: share[i], text }] }`, i < `count`,
 * with no segment. For lists written by the thousand from one source (a 100k-product catalogue's
 * similar lists are nearly all attribute neighbours alone): no item or reason objects are made.
 * `product[i]` must be the item's index in `dictionary`, and `names` must word each product as
 * `name` / `category` below do (the build's catalogue): the caller's promise, as it builds both
 * from the same snapshot.
 */
export function encodeSingleReasonList(
  columns: SingleReasonColumns,
  strategy: Strategy,
  feature: string,
  text: string,
  ids: readonly string[],
  category: (product: number) => string | null,
  names: CatalogNames,
): Buffer {
  bodyWriter.reset();
  const st = new ListState(bodyWriter);
  const ref = (): number => {
    throw new Error('encodeSingleReasonList: a reason cites nothing');
  };
  const reason: { feature: string; value: number; attribution: number; text: string } = {
    feature,
    value: 0,
    attribution: 0,
    text,
  };
  bodyWriter.varint(columns.count);
  for (let i = 0; i < columns.count; i++) {
    const p = columns.product[i]!;
    writeItemHead(st, p * 2, strategy, columns.score[i]!, 1, undefined, undefined);
    reason.value = columns.value[i]!;
    reason.attribution = columns.share[i]!;
    writeReason(st, 0, 1, 0, reason, ids[p]!, category(p), undefined, names, ref);
  }
  return finishList(st, undefined);
}

// One list is written at a time (nothing in `encodeList` yields), so its writers are kept from the
// last: a list's bytes are then allocated once, not grown and copied through fresh buffers.
const headWriter = new Writer();
const bodyWriter = new Writer();

// --- reading ---------------------------------------------------------------------------------

class Reader {
  pos: number;
  constructor(
    private readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('compact list: truncated');
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  }

  float(): number {
    if (this.pos + 8 > this.buf.length) throw new Error('compact list: truncated');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A number as version 1 wrote it (zigzag, then as `unsigned`), or a float64 when `float`. */
  number(scale: number, float: boolean): number {
    if (float) return this.float();
    const u = this.varint();
    const k = unzigzag(Math.floor(u / 2));
    return u % 2 === 1 ? k / scale : k;
  }

  /** A number written by `unsigned`, or a float64 when `float`. */
  unsigned(scale: number, float: boolean): number {
    if (float) return this.float();
    const u = this.varint();
    return u % 2 === 1 ? (u - 1) / 2 / scale : u / 2;
  }

  string(): string {
    const u = this.varint();
    if (u % 2 === 1) return String((u - 1) / 2);
    const n = u / 2;
    if (this.pos + n > this.buf.length) throw new Error('compact list: truncated');
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

/** A reason as stored: its text, when stored literally (else rendered from the rest). */
export interface CompactReason {
  /** FEATURES index, OTHER or NAMED. */
  readonly code: number;
  readonly feature: string;
  readonly value: number;
  readonly attribution: number;
  readonly via: string | undefined;
  readonly support: number | undefined;
  /** `null`: the reason has no text; `undefined`: rendered. */
  readonly text: string | null | undefined;
}

/** An item as stored: `name` and `category` are `undefined` where the catalogue gives them. */
export interface CompactItem {
  readonly product_id: string;
  readonly score: number;
  readonly strategy: Strategy;
  readonly name: string | null | undefined;
  readonly category: string | null | undefined;
  readonly reasons: readonly CompactReason[];
}

export interface CompactList {
  readonly segment: string | undefined;
  readonly items: readonly CompactItem[];
}

/** Whether `raw` is a compact list (not JSON, not another cache format), of any version. */
export const isCompactList = (raw: Uint8Array): boolean =>
  raw.length > 0 && (raw[0] === COMPACT_LIST_VERSION || raw[0] === COMPACT_LIST_V1);

/**
 * The list `raw` holds (`encodeList`'s bytes), its products named through `dictionary`: the
 * dictionary of the build that stored it. Throws on bytes of another format, a cut list, or a
 * product index the dictionary does not hold (a list read with another build's dictionary).
 * `maxItems`: only the first items (what a cached top holds); the rest is not read.
 */
export function decodeList(
  raw: Buffer,
  dictionary: ListDictionary = NO_DICTIONARY,
  maxItems = Infinity,
): CompactList {
  if (!isCompactList(raw)) throw new Error('not a compact list');
  const v1 = raw[0] === COMPACT_LIST_V1;
  const r = new Reader(raw, 1);
  const flags = r.byte();
  const segment = flags & 1 ? r.string() : undefined;
  const strings: string[] = new Array<string>(r.varint());
  for (let i = 0; i < strings.length; i++) strings[i] = r.string();
  const str = (i: number) => {
    const s = strings[i];
    if (s === undefined) throw new Error('compact list: bad string index');
    return s;
  };
  const product = (): string => {
    const u = r.varint();
    if (v1) return str(u);
    if (u % 2 === 1) return str((u - 1) / 2);
    const id = dictionary.productIds[u / 2];
    if (id === undefined) throw new Error("compact list: a product index outside its build's dictionary");
    return id;
  };
  const previousValue = new Map<number, number>();
  const items: CompactItem[] = new Array<CompactItem>(Math.min(r.varint(), maxItems));
  let previous = 0;
  let first = true;
  for (let i = 0; i < items.length; i++) {
    const product_id = product();
    const head = r.byte();
    const strategy = STRATEGIES[head & 7];
    if (strategy === undefined) throw new Error('compact list: bad strategy');
    let n = (head >> 3) & 15;
    if (n === 15) n = r.varint();
    const literals = head & 0x80 ? r.byte() : 0;
    let score: number;
    if (literals & 4) score = r.float();
    else if (v1) {
      previous -= unzigzag(r.varint());
      score = previous / SCORE_SCALE;
    } else {
      const step = literals & SCORE_RISES ? -r.varint() : r.varint();
      previous = first ? step : previous - step;
      first = false;
      score = previous / SCORE_SCALE;
    }
    const name = literals & 1 ? nullable(r.varint(), str) : undefined;
    const category = literals & 2 ? nullable(r.varint(), str) : undefined;
    const reasons: CompactReason[] = new Array<CompactReason>(n);
    let shares = 0;
    for (let j = 0; j < n; j++) {
      const rh = r.byte();
      const code = rh & 0x3f;
      let flags: number;
      if (v1) flags = (rh & 0x80 ? r.byte() & 0x1f : 0) | (rh & 0x40 ? CITING : 0);
      else {
        const form = rh >> 6;
        flags = form === FLAGGED ? r.byte() : form === REPEAT ? VALUE_REPEATED : form === CITES ? CITING : 0;
      }
      const feature = code === NAMED ? str(r.varint()) : code === OTHER ? 'other' : FEATURES[code]?.name;
      if (feature === undefined) throw new Error('compact list: bad feature');
      let value: number;
      if (flags & VALUE_REPEATED) {
        const v = previousValue.get(code);
        if (v === undefined) throw new Error('compact list: a repeated value with none before');
        value = v;
      } else
        value = v1
          ? r.number(VALUE_SCALE, (flags & VALUE_FLOAT) !== 0)
          : r.unsigned(VALUE_SCALE, (flags & VALUE_FLOAT) !== 0);
      if (code !== NAMED) previousValue.set(code, value);
      const attribution = v1
        ? r.number(SHARE_SCALE, (flags & SHARE_FLOAT) !== 0)
        : flags & SHARE_FLOAT
          ? r.float()
          : j === n - 1
            ? (unzigzag(r.varint()) + SHARE_SCALE - shares) / SHARE_SCALE
            : r.varint() / SHARE_SCALE;
      shares += Math.round(attribution * SHARE_SCALE);
      let via: string | undefined;
      let support: number | undefined;
      if (flags & CITING) {
        via = product();
        support = v1
          ? r.number(VALUE_SCALE, (flags & SUPPORT_FLOAT) !== 0)
          : r.unsigned(VALUE_SCALE, (flags & SUPPORT_FLOAT) !== 0);
      }
      const text = flags & TEXT_STORED ? str(r.varint()) : flags & NO_TEXT ? null : undefined;
      reasons[j] = { code, feature, value, attribution, via, support, text };
    }
    items[i] = { product_id, score, strategy, name, category, reasons };
  }
  return { segment, items };
}

const nullable = (i: number, str: (i: number) => string) => (i === 0 ? null : str(i - 1));

/** The item's `name` in an answer. */
export const itemName = (item: CompactItem, names: CatalogNames): string | null =>
  item.name !== undefined ? item.name : names.name(item.product_id);

/** The item's `category` in an answer (what the `category` filter compares). */
export const itemCategory = (item: CompactItem, names: CatalogNames): string | null =>
  item.category !== undefined ? item.category : names.category(item.product_id);

/** The JSON of the item's `reasons`, as the build's items had them. */
export function reasonsJson(item: CompactItem, segment: string | undefined, names: CatalogNames): string {
  let out = '[';
  for (let j = 0; j < item.reasons.length; j++) {
    const r = item.reasons[j]!;
    const text =
      r.text === undefined
        ? renderText(r.code, r.value, r.via, r.support, names.category(item.product_id), segment, names)
        : r.text;
    out +=
      `${j > 0 ? ',' : ''}{"feature":${JSON.stringify(r.feature)},"value":${JSON.stringify(r.value)},` +
      `"attribution":${JSON.stringify(r.attribution)}${text === null ? '' : `,"text":${JSON.stringify(text)}`}}`;
  }
  return `${out}]`;
}

/** The item as a `RankedItem` at `rank` (SPEC field order), rendered from `names`. */
export function renderItem(
  item: CompactItem,
  rank: number,
  segment: string | undefined,
  names: CatalogNames,
  strategy: Strategy = item.strategy,
): string {
  return (
    `{"product_id":${JSON.stringify(item.product_id)},"name":${JSON.stringify(itemName(item, names))},` +
    `"category":${JSON.stringify(itemCategory(item, names))},"score":${JSON.stringify(item.score)},` +
    `"rank":${rank},"strategy":${JSON.stringify(strategy)},"reasons":${reasonsJson(item, segment, names)}}`
  );
}

/** Every item, ranked 1..n, as the JSON array the build's items were (exports, tests, product lists). */
export function renderItems(list: CompactList, names: CatalogNames): string {
  return `[${list.items.map((item, i) => renderItem(item, i + 1, list.segment, names)).join(',')}]`;
}

/** The items of a list decoded into `RankedItem`s (off the hot path: export, tests). */
export function rankedItemsOf(list: CompactList, names: CatalogNames): RankedItem[] {
  return JSON.parse(renderItems(list, names)) as RankedItem[];
}
