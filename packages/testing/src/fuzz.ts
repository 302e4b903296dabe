import fc from 'fast-check';

/**
 * Property-based fuzzing of HTTP routes, read from an app's OpenAPI document so a new route is
 * fuzzed without anyone listing it: arbitrary text (NUL, lone surrogates, huge numbers, unicode,
 * wrong types) in every path parameter, query parameter and body field. The property: never a
 * 5xx. Counts are settings: a modest number in CI, the full run from `bench/fuzz`.
 */

/** Requests per route when `FUZZ_RUNS_PER_ROUTE` is not set: enough to catch a 5xx, quick in CI. */
export const DEFAULT_FUZZ_RUNS_PER_ROUTE = 40;

export function fuzzRunsPerRoute(): number {
  const n = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? DEFAULT_FUZZ_RUNS_PER_ROUTE);
  if (!Number.isInteger(n) || n < 1) throw new Error('FUZZ_RUNS_PER_ROUTE must be a positive integer');
  return n;
}

/** `FUZZ_SEED` replays a failing run (fast-check prints the seed). */
export function fuzzSeed(): number | undefined {
  return process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface FuzzResponse {
  statusCode: number;
  body: string;
}

export interface RouteFuzzResult {
  route: string;
  requests: number;
  statuses: Record<number, number>;
}

interface OpenApiParameter {
  name: string;
  in: string;
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/** Every `METHOD path` of the document (GET, POST, PUT, PATCH, DELETE). */
export function openApiRoutes(
  doc: OpenApiDocument,
): { method: string; path: string; operation: OpenApiOperation }[] {
  const methods = new Set(['get', 'post', 'put', 'patch', 'delete']);
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.has(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** Text a client might send, and text that broke things: NUL, lone surrogates, overflowing numbers. */
const NASTY_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ufffd',
  '9223372036854775808',
  '-9223372036854775809',
  '99999999999999999999999999',
  '1e309',
  '-1',
  '0',
  'NaN',
  'Infinity',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  '../../etc/passwd',
  "'; DROP TABLE events; --",
  '2011-13-45T99:99:99Z',
  '😀',
  'x'.repeat(300),
];

const text = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.bigInt().map(String),
);

/** Any JSON value, with nasty text and numbers at the leaves. */
const scalar = fc.oneof(
  text,
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308, -1e308, 5e-324),
  fc.boolean(),
  fc.constant(null),
);
const anyJson = fc.oneof(
  { depthSize: 'small' },
  scalar,
  fc.array(scalar, { maxLength: 4 }),
  fc.dictionary(text, scalar, { maxKeys: 4 }),
);

/** A value for a field of `schema`: usually the right type, often not. */
function valueFor(schema: JsonSchema | undefined, depth: number): fc.Arbitrary<unknown> {
  const wrong = depth > 2 ? scalar : anyJson;
  if (!schema) return wrong;
  if (schema.enum?.length) return fc.oneof(fc.constantFrom(...schema.enum), wrong);
  const options = schema.oneOf ?? schema.anyOf;
  if (options?.length) return fc.oneof(...options.map((s) => valueFor(s, depth + 1)), wrong);
  switch (schema.type) {
    case 'object':
      return fc.oneof(objectFor(schema, depth + 1), wrong);
    case 'array':
      return fc.oneof(fc.array(valueFor(schema.items, depth + 1), { maxLength: 4 }), wrong);
    case 'integer':
      return fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 63), wrong);
    case 'number':
      return fc.oneof(fc.double(), wrong);
    case 'boolean':
      return fc.oneof(fc.boolean(), wrong);
    default:
      return fc.oneof(text, wrong);
  }
}

function objectFor(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, field] of Object.entries(schema.properties ?? {})) fields[name] = valueFor(field, depth);
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(text, scalar, { maxKeys: 2 }))
    .map(([known, extra]) => ({ ...extra, ...known }));
}

/** JSON texts `JSON.stringify` never writes: numbers past any range, bad syntax, bytes that are not UTF-8. */
const RAW_BODIES = [
  '[1e999]',
  '{"as_of": 123456789012345678901234567890}',
  '[{"customer_id": 123456789012345678901234567890, "product_id": -0}]',
  '[{"limit": 1e400}]',
  '{',
  '',
  'null',
  '"text"',
  '[[[[[[[[[[]]]]]]]]]]',
  '{"__proto__": {"admin": true}}',
];

function bodyFor(operation: OpenApiOperation): fc.Arbitrary<string | Buffer | undefined> {
  const schema = operation.requestBody?.content?.['application/json']?.schema;
  return fc.oneof(
    { weight: 6, arbitrary: valueFor(schema, 0).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** One path segment or query value as it travels in a URL, including escapes that do not decode. */
const urlText = fc.oneof(
  { weight: 4, arbitrary: text.map((t) => encodeURIComponent(t.toWellFormed())) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('%00', 'a%00b', '%ff', '%ED%A0%80', '%', '%zz', '%2F', '..', 'x'.repeat(1100)),
  },
);

function urlFor(path: string, operation: OpenApiOperation): fc.Arbitrary<string> {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  const segments = fc.tuple(...names.map(() => urlText));
  const queryNames = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  const query = fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...queryNames, 'unknown'),
        text.map((t) => t.toWellFormed()),
      ),
      urlText,
    ),
    { maxLength: 4 },
  );
  return fc.tuple(segments, query).map(([values, pairs]) => {
    let url = path;
    names.forEach((name, i) => (url = url.replace(`{${name}}`, values[i] as string)));
    if (pairs.length === 0) return url;
    return `${url}?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&')}`;
  });
}

/**
 * Fuzzes every route of `doc` with `runsPerRoute` requests each through `send` (an app's `inject`)
 * and throws, with the request, on the first answer of 500 or more.
 */
export async function fuzzRoutes(
  doc: OpenApiDocument,
  send: (request: FuzzRequest) => Promise<FuzzResponse>,
  {
    headers,
    runsPerRoute = fuzzRunsPerRoute(),
    seed = fuzzSeed(),
  }: { headers: Record<string, string>; runsPerRoute?: number; seed?: number },
): Promise<RouteFuzzResult[]> {
  const results: RouteFuzzResult[] = [];
  for (const { method, path, operation } of openApiRoutes(doc)) {
    const result: RouteFuzzResult = { route: `${method} ${path}`, requests: 0, statuses: {} };
    const withBody = method !== 'GET' && method !== 'DELETE';
    await fc.assert(
      fc.asyncProperty(
        urlFor(path, operation),
        withBody ? bodyFor(operation) : fc.constant(undefined),
        async (url, payload) => {
          const request: FuzzRequest = {
            method,
            url,
            headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
            ...(payload === undefined ? {} : { payload }),
          };
          const res = await send(request);
          result.requests++;
          result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode >= 500)
            throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
        },
      ),
      { numRuns: runsPerRoute, ...(seed === undefined ? {} : { seed }) },
    );
    results.push(result);
  }
  return results;
}
