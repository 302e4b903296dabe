import { z } from 'zod';
import type { RejectedItem } from './api';
import { parseIsoTimestamp } from './timestamp';

/** Event types of SPEC.md. The string values are stored in Postgres: never rename them. */
export const EVENT_TYPES = ['view', 'click', 'cart_add', 'cart_remove', 'purchase', 'return'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const MAX_ID_LENGTH = 256;

/**
 * Why Postgres cannot keep `text` as sent, or `undefined`: text and jsonb columns refuse NUL
 * (U+0000), and a lone UTF-16 surrogate has no UTF-8 form (the driver would store U+FFFD in its
 * place, so two different ids could become one).
 */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (!text.isWellFormed()) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/** A zod check that `what` (a field name) is text Postgres stores as sent. */
export const storableText =
  (what: string) =>
  (text: string, ctx: z.RefinementCtx): void => {
    const why = unstorableText(text);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: `${what} ${why}` });
  };

/** External ids: strings (numbers are accepted from JSON and kept as their decimal text). */
export const externalId = (what: string) =>
  z
    .union([z.string(), z.number().int()], {
      error: (issue) =>
        issue.input === undefined
          ? `${what} is required`
          : `${what} must be a string (got ${describeJsonType(issue.input)})`,
    })
    .transform((v) => String(v).trim())
    .pipe(
      z
        .string()
        .min(1, `${what} is required`)
        .max(MAX_ID_LENGTH, `${what} is longer than ${MAX_ID_LENGTH} characters`)
        .superRefine(storableText(what)),
    );

const optionalText = (what: string, max = 1000) =>
  z
    .union([z.string(), z.number()], { error: `${what} must be a string` })
    .transform((v) => String(v).trim())
    .pipe(z.string().max(max, `${what} is longer than ${max} characters`).superRefine(storableText(what)))
    .transform((v) => (v === '' ? undefined : v))
    .optional();

/** A number given as a JSON number or as text (CSV cells are text). */
const numeric = (what: string, check: (n: number) => boolean, rule: string) =>
  z.union([z.number(), z.string()], { error: `${what} must be a number` }).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a number (got ${JSON.stringify(v)})` });
      return z.NEVER;
    }
    if (!check(n)) {
      ctx.addIssue({ code: 'custom', message: `${what} must be ${rule} (got ${n})` });
      return z.NEVER;
    }
    return n;
  });

const timestamp = (what: string) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `${what} is required (ISO 8601)`
          : `${what} must be an ISO 8601 date-time string (got ${describeJsonType(issue.input)})`,
    })
    .transform((v, ctx) => {
      const ms = parseIsoTimestamp(v);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} must be an ISO 8601 date-time (got ${JSON.stringify(v)})`,
        });
        return z.NEVER;
      }
      return new Date(ms);
    });

const bool = (what: string) =>
  z.union([z.boolean(), z.string()], { error: `${what} must be true or false` }).transform((v, ctx) => {
    if (typeof v === 'boolean') return v;
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === '1' || t === 'yes') return true;
    if (t === 'false' || t === '0' || t === 'no') return false;
    ctx.addIssue({ code: 'custom', message: `${what} must be true or false (got ${JSON.stringify(v)})` });
    return z.NEVER;
  });

/** Cells and JSON fields that carry nothing: absent, null or empty text. */
const blankToUndefined = (v: unknown) => (v === null || v === '' ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

export const eventRecordSchema = z.object({
  event_id: opt(optionalText('event_id', MAX_ID_LENGTH)),
  customer_id: externalId('customer_id'),
  product_id: externalId('product_id'),
  type: z.enum(EVENT_TYPES, {
    error: (issue) => `type must be one of ${EVENT_TYPES.join(', ')} (got ${JSON.stringify(issue.input)})`,
  }),
  timestamp: timestamp('timestamp'),
  session_id: opt(optionalText('session_id', MAX_ID_LENGTH)),
  order_id: opt(optionalText('order_id', MAX_ID_LENGTH)),
  quantity: opt(numeric('quantity', (n) => n > 0 && n <= 1e9, 'greater than 0')),
  price: opt(numeric('price', (n) => n >= 0 && n <= 1e12, 'zero or more')),
});
/** An event as a client or a file sends it (before validation). */
export type EventRecordInput = z.input<typeof eventRecordSchema>;
/** A validated event, timestamp as a Date (UTC). */
export type EventRecord = z.output<typeof eventRecordSchema>;

/** Free attributes: any other column or field, kept as JSON scalars. */
export type Attributes = Record<string, string | number | boolean>;
const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Attribute names and text values are stored in jsonb: the same rules as every text field. */
function checkAttributes(record: Record<string, unknown>, known: readonly string[], ctx: z.RefinementCtx) {
  const check = (name: string, value: unknown) => {
    const nameProblem = unstorableText(name);
    if (nameProblem !== undefined)
      ctx.addIssue({ code: 'custom', message: `attribute name ${JSON.stringify(name)} ${nameProblem}` });
    const valueProblem = typeof value === 'string' ? unstorableText(value) : undefined;
    if (valueProblem !== undefined)
      ctx.addIssue({ code: 'custom', message: `attribute ${JSON.stringify(name)} ${valueProblem}` });
  };
  for (const [name, value] of Object.entries(record)) {
    if (name === 'attributes' && value !== null && typeof value === 'object') {
      for (const [n, v] of Object.entries(value)) check(n, v);
    } else if (!known.includes(name)) {
      check(name, value);
    }
  }
}

const PRODUCT_FIELDS = ['product_id', 'name', 'category', 'brand', 'price', 'available'] as const;
export const productRecordSchema = z
  .object({
    product_id: externalId('product_id'),
    name: opt(optionalText('name')),
    category: opt(optionalText('category')),
    brand: opt(optionalText('brand')),
    price: opt(numeric('price', (n) => n >= 0 && n <= 1e12, 'zero or more')),
    available: opt(bool('available')),
    attributes: z.record(z.string(), attributeValue).optional(),
  })
  .catchall(attributeValue)
  .superRefine((record, ctx) => checkAttributes(record, PRODUCT_FIELDS, ctx))
  .transform(({ product_id, name, category, brand, price, available, attributes, ...rest }) => ({
    product_id,
    name,
    category,
    brand,
    price,
    available,
    attributes: collectAttributes(attributes, rest),
  }));
export type ProductRecord = z.output<typeof productRecordSchema>;

const CUSTOMER_FIELDS = ['customer_id', 'segment', 'signup_date'] as const;
export const customerRecordSchema = z
  .object({
    customer_id: externalId('customer_id'),
    segment: opt(optionalText('segment', MAX_ID_LENGTH)),
    signup_date: opt(timestamp('signup_date')),
    attributes: z.record(z.string(), attributeValue).optional(),
  })
  .catchall(attributeValue)
  .superRefine((record, ctx) => checkAttributes(record, CUSTOMER_FIELDS, ctx))
  .transform(({ customer_id, segment, signup_date, attributes, ...rest }) => ({
    customer_id,
    segment,
    signup_date,
    attributes: collectAttributes(attributes, rest),
  }));
export type CustomerRecord = z.output<typeof customerRecordSchema>;

/** Known column names: everything else in a file or JSON object becomes an attribute. */
export const KNOWN_FIELDS = { products: PRODUCT_FIELDS, customers: CUSTOMER_FIELDS } as const;

function collectAttributes(
  explicit: Record<string, string | number | boolean | null> | undefined,
  rest: Record<string, unknown>,
): Attributes {
  const out: Attributes = {};
  for (const source of [rest, explicit ?? {}]) {
    for (const [k, v] of Object.entries(source)) {
      if (v === null || v === undefined || v === '') continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    }
  }
  return out;
}

/** One validation failure, in words a person fixing the row understands. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.join('.');
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${field} is required`;
    return issue.message.startsWith(field) || !field ? issue.message : `${field}: ${issue.message}`;
  });
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** "a string", "an array", "null": how a wrong JSON value is named in messages. */
export function describeJsonType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Validates one record (an object); errors are sentences naming the field and what was given. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): Validated<z.output<T>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [`must be a JSON object (got ${describeJsonType(input)})`] };
  }
  // reportInput lets messages tell "missing" apart from "wrong type".
  const result = schema.safeParse(input, { reportInput: true });
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, errors: describeIssues(result.error) };
}

/**
 * `validate(eventRecordSchema, input)`, with the same result, for a fraction of the cost, for the
 * rows a bulk import or an events batch is made of: an object of text cells (CSV) or JSON strings
 * (and numbers for quantity and price) that plainly keep every rule is read by hand, and anything
 * else (a numeric id, null, an unknown type, any broken rule) goes through the schema, which words
 * the errors. `records.spec.ts` holds the two to the same
 * output on random rows. The schema stays the definition; this is its common case.
 */
export function validateEvent(input: unknown): Validated<EventRecord> {
  const value = plainEventRecord(input);
  return value ? { ok: true, value } : validate(eventRecordSchema, input);
}

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** The schema's output for an input that keeps every rule in the plainest way, or undefined. */
function plainEventRecord(input: unknown): EventRecord | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const r = input as Record<string, unknown>;
  const customer_id = plainId(r.customer_id);
  const product_id = plainId(r.product_id);
  const type = r.type;
  const ts = r.timestamp;
  if (customer_id === undefined || product_id === undefined) return undefined;
  if (typeof type !== 'string' || !EVENT_TYPE_SET.has(type) || typeof ts !== 'string') return undefined;
  const ms = parseIsoTimestamp(ts);
  if (ms === undefined) return undefined;
  const event_id = plainOptionalText(r.event_id);
  const session_id = plainOptionalText(r.session_id);
  const order_id = plainOptionalText(r.order_id);
  const quantity = plainOptionalNumber(r.quantity);
  const price = plainOptionalNumber(r.price);
  if (event_id === null || session_id === null || order_id === null) return undefined;
  if (quantity === null || !(quantity === undefined || (quantity > 0 && quantity <= 1e9))) return undefined;
  if (price === null || !(price === undefined || (price >= 0 && price <= 1e12))) return undefined;
  return {
    event_id,
    customer_id,
    product_id,
    type: type as EventType,
    timestamp: new Date(ms),
    session_id,
    order_id,
    quantity,
    price,
  };
}

/** `externalId` of a string that keeps its rules; undefined for anything else. */
function plainId(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t.length >= 1 && t.length <= MAX_ID_LENGTH && unstorableText(t) === undefined ? t : undefined;
}

/** `opt(optionalText(…, MAX_ID_LENGTH))` of an absent field or a string; null: leave it to the schema. */
function plainOptionalText(v: unknown): string | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return null;
  const t = v.trim();
  if (t === '') return undefined;
  return t.length <= MAX_ID_LENGTH && unstorableText(t) === undefined ? t : null;
}

/** `opt(numeric(…))` of an absent field, a number or a string, before its range check; null: leave it to the schema. */
function plainOptionalNumber(v: unknown): number | undefined | null {
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * Validates each item on its own: one bad item is reported by index and never sinks the others.
 * Takes a schema, or a validator that gives the same answers (`validateEvent`).
 */
export function validateEach<S extends z.ZodType>(
  schema: S,
  items: readonly unknown[],
): { valid: z.output<S>[]; rejected: RejectedItem[] };
export function validateEach<T>(
  check: (item: unknown) => Validated<T>,
  items: readonly unknown[],
): { valid: T[]; rejected: RejectedItem[] };
export function validateEach(
  check: z.ZodType | ((item: unknown) => Validated<unknown>),
  items: readonly unknown[],
): { valid: unknown[]; rejected: RejectedItem[] } {
  const valid: unknown[] = [];
  const rejected: RejectedItem[] = [];
  items.forEach((item, index) => {
    const r = typeof check === 'function' ? check(item) : validate(check, item);
    if (r.ok) valid.push(r.value);
    else rejected.push({ index, errors: r.errors });
  });
  return { valid, rejected };
}

/** A product as a client or a file sends it; any other field is an attribute. */
export interface ProductRecordInput {
  product_id: string | number;
  name?: string;
  category?: string;
  brand?: string;
  price?: number | string;
  available?: boolean | string;
  attributes?: Record<string, string | number | boolean | null>;
  [attribute: string]: unknown;
}

/** A customer as a client or a file sends it; any other field is an attribute. */
export interface CustomerRecordInput {
  customer_id: string | number;
  segment?: string;
  signup_date?: string;
  attributes?: Record<string, string | number | boolean | null>;
  [attribute: string]: unknown;
}
