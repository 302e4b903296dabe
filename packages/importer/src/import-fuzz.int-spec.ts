import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@nextbuy/db';
import { createTestDatabase, fuzzSeed, type TestDatabase } from '@nextbuy/testing';
import { importFile } from './import-file';

/** Rows per format when `FUZZ_IMPORT_ROWS` is not set: quick in CI; bench/fuzz runs 10,000. */
const DEFAULT_FUZZ_IMPORT_ROWS = 2_000;
/** Files per format the rows are spread over (each a fresh fast-check run). */
const RUNS = 4;
const ROWS = Number(process.env.FUZZ_IMPORT_ROWS ?? DEFAULT_FUZZ_IMPORT_ROWS);
/** 10,000 rows per format take about a minute on a loaded 2-core machine. */
const FUZZ_TIMEOUT_MS = 600_000;

/** Well-formed text the schemas keep: no NUL, no lone surrogate, something left after trimming. */
const goodText = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
  .filter((s) => !s.includes('\u0000') && s.trim().length > 0);

interface GoodRow {
  kind: 'good';
  customer: string;
  product: string;
  type: string;
  ts: string;
}
type BadKind = 'nul' | 'badUtf8' | 'surrogate' | 'type' | 'timestamp' | 'quantity' | 'missing' | 'shape';
type Row = GoodRow | { kind: BadKind; customer: string; product: string };

const goodRow = fc.record({
  kind: fc.constant('good' as const),
  customer: goodText,
  product: goodText,
  type: fc.constantFrom('view', 'click', 'cart_add', 'cart_remove', 'purchase', 'return'),
  ts: fc
    .date({ min: new Date('2000-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
});
const badRow = fc.record({
  kind: fc.constantFrom<BadKind>(
    'nul',
    'badUtf8',
    'surrogate',
    'type',
    'timestamp',
    'quantity',
    'missing',
    'shape',
  ),
  customer: goodText,
  product: goodText,
});
const rows = (n: number) =>
  fc.array(fc.oneof({ weight: 3, arbitrary: goodRow }, { weight: 1, arbitrary: badRow }), {
    minLength: n,
    maxLength: n,
  });

/** One event as a record, with the defect its kind names. */
function fields(row: Row, eventId: string): Record<string, string | number> {
  const base = {
    event_id: eventId,
    customer_id: row.customer,
    product_id: row.product,
    type: 'view',
    timestamp: '2011-01-01T00:00:00Z',
  };
  switch (row.kind) {
    case 'good':
      return { ...base, type: row.type, timestamp: row.ts };
    case 'nul':
      return { ...base, customer_id: `${row.customer}\u0000` };
    case 'surrogate':
      return { ...base, product_id: `\ud800${row.product}` };
    case 'type':
      return { ...base, type: 'buy' };
    case 'timestamp':
      return { ...base, timestamp: '2011-13-45T99:00:00Z' };
    case 'quantity':
      return { ...base, quantity: -1 };
    case 'missing':
      return { ...base, product_id: ' ' };
    default:
      return base;
  }
}

const COLUMNS = ['event_id', 'customer_id', 'product_id', 'type', 'timestamp', 'quantity'];
const quote = (v: string | number | undefined) =>
  v === undefined ? '' : `"${String(v).replace(/"/g, '""')}"`;

/** The file's bytes and, per row, the physical line it starts on. */
function csvFile(list: Row[], prefix: string): { bytes: Buffer; lines: number[] } {
  const parts: Buffer[] = [Buffer.from(`${COLUMNS.join(',')}\n`)];
  const lines: number[] = [];
  let line = 2;
  list.forEach((row, i) => {
    lines.push(line);
    const record = fields(row, `${prefix}-${i}`);
    // A lone surrogate has no UTF-8 form: in a file it can only be the (invalid) bytes of one. NUL
    // marks the spot, as good text never holds it.
    if (row.kind === 'surrogate') record.product_id = `\u0000${row.product}`;
    let text = `${COLUMNS.map((c) => quote(record[c])).join(',')}\n`;
    if (row.kind === 'shape') text = `${quote(record.event_id)},${quote(record.customer_id)}\n`;
    const [before, after] = text.split('\u0000') as [string, string | undefined];
    parts.push(
      row.kind === 'badUtf8'
        ? Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xff, 0xfe]), Buffer.from('\n')])
        : row.kind === 'surrogate' && after !== undefined
          ? Buffer.concat([Buffer.from(before), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(after)])
          : Buffer.from(text),
    );
    line += text.split('\n').length - 1;
  });
  return { bytes: Buffer.concat(parts), lines };
}

function ndjsonFile(list: Row[], prefix: string): { bytes: Buffer; lines: number[] } {
  const parts: Buffer[] = [];
  const lines = list.map((row, i) => {
    const record = fields(row, `${prefix}-${i}`);
    const text = row.kind === 'shape' ? JSON.stringify([record.event_id]) : JSON.stringify(record);
    parts.push(
      row.kind === 'badUtf8'
        ? Buffer.concat([Buffer.from(text.slice(0, -2)), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')])
        : Buffer.from(`${text}\n`),
    );
    return i + 1;
  });
  return { bytes: Buffer.concat(parts), lines };
}

// Issue #15: fuzzed rows, good and bad mixed: every bad row reported by its line, every good row stored.
describe('importer under fuzzing (real Postgres)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let dir: string;
  let file = 0;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 3 }).initialize();
    dir = await mkdtemp(join(tmpdir(), 'nb-import-fuzz-'));
  });

  afterAll(async () => {
    await db?.destroy();
    await testDb?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['CSV', 'csv', csvFile],
    ['NDJSON', 'ndjson', ndjsonFile],
  ] as const)(
    '%s: reports every bad row by line and stores every good row',
    async (_, ext, encode) => {
      let total = 0;
      await fc.assert(
        fc.asyncProperty(rows(Math.ceil(ROWS / RUNS)), async (list) => {
          const prefix = `fz${++file}`;
          const { bytes, lines } = encode(list, prefix);
          const path = join(dir, `${prefix}.${ext}`);
          await writeFile(path, bytes);
          const rejected: number[] = [];
          const summary = await importFile(db, {
            kind: 'events',
            file: path,
            onRejection: (r) => rejected.push(r.line),
          });
          const bad = list.flatMap((row, i) => (row.kind === 'good' ? [] : [lines[i]]));
          const good = list.filter((row) => row.kind === 'good').length;
          expect(rejected).toEqual(bad);
          expect(summary).toMatchObject({ read: list.length, stored: good, rejected: bad.length });
          const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM events WHERE event_id LIKE $1`, [
            `${prefix}-%`,
          ]);
          expect(n).toBe(good);
          total += list.length;
        }),
        // A failing import is reported as generated (with its seed): shrinking re-imports for minutes.
        { numRuns: RUNS, endOnFailure: true, ...(fuzzSeed() === undefined ? {} : { seed: fuzzSeed() }) },
      );
      process.stdout.write(`${JSON.stringify({ importer: ext, rows: total })}\n`);
    },
    FUZZ_TIMEOUT_MS,
  );
});
