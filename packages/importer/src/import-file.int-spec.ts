import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DataSource } from 'typeorm';
import { createDataSource, ImportRepository } from '@nextbuy/db';
import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import { importFile } from './import-file';

const EVENTS_WITH_BAD_ROWS = [
  'customer_id,product_id,type,timestamp,order_id,quantity,price',
  'c1,p1,purchase,2011-01-01T10:00:00Z,o1,2,1.5',
  'c1,p2,view,2011-01-01T10:01:00Z,,,',
  'c2,p1,purchase,2011-13-01T10:00:00Z,o2,1,1.5', // bad timestamp
  'c2,,purchase,2011-01-02T10:00:00Z,o2,1,1.5', // missing product_id
  'c2,p3,buy,2011-01-02T10:00:00Z,o2,1,1.5', // unknown type
  'c3,p3,purchase,2011-01-02T10:00:00Z,o3,lots,1.5', // non-numeric quantity
  'c3,"p4, the ""big"" one",cart_add,2011-01-03 09:00,,1,', // quoted id, zone-less timestamp
  'c3,p5,return,2011-01-03T10:00:00+01:00,o3,1,2',
  'c1,p1,purchase,2011-01-01T10:00:00Z,o1,2,1.5', // identical to line 2: kept apart
  'c4,p6,view,2011-01-04T10:00:00Z', // too few columns
  '',
].join('\n');

describe('importFile (real Postgres)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let dir: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 3 }).initialize();
    dir = await mkdtemp(join(tmpdir(), 'nb-import-'));
  });

  afterAll(async () => {
    await db.destroy();
    await testDb.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (name: string, content: string | Buffer) => {
    const file = join(dir, name);
    await writeFile(file, content);
    return file;
  };
  const count = async (sql: string) => Number((await db.query(sql))[0].n);

  it('reports each bad row by line, stores every good row, and records the import', async () => {
    const file = await write('events.csv', EVENTS_WITH_BAD_ROWS);
    const seen: number[] = [];
    const summary = await importFile(db, { kind: 'events', file, onRejection: (r) => seen.push(r.line) });
    expect(summary).toMatchObject({ kind: 'events', file, read: 10, stored: 5, duplicates: 0, rejected: 5 });
    expect(summary.rejections).toEqual([
      { line: 4, errors: ['timestamp must be an ISO 8601 date-time (got "2011-13-01T10:00:00Z")'] },
      { line: 5, errors: ['product_id is required'] },
      {
        line: 6,
        errors: ['type must be one of view, click, cart_add, cart_remove, purchase, return (got "buy")'],
      },
      { line: 7, errors: ['quantity must be a number (got "lots")'] },
      { line: 11, errors: ['expected 7 columns as in the header, got 4'] },
    ]);
    expect(seen).toEqual([4, 5, 6, 7, 11]);
    expect(await count(`SELECT count(*) AS n FROM events`)).toBe(5);
    const [quoted] = await db.query(`SELECT product_id, ts FROM events WHERE type = 'cart_add'`);
    expect(quoted.product_id).toBe('p4, the "big" one');
    expect((quoted.ts as Date).toISOString()).toBe('2011-01-03T09:00:00.000Z');
    const [ret] = await db.query(`SELECT ts FROM events WHERE type = 'return'`);
    expect((ret.ts as Date).toISOString()).toBe('2011-01-03T09:00:00.000Z');
    // Unknown customers and products became stubs.
    expect(await count(`SELECT count(*) AS n FROM customers WHERE stub`)).toBe(2); // c1, c3: every c2 row was rejected
    const [row] = await new ImportRepository(db).latest(1);
    expect(row).toMatchObject({
      id: summary.importId,
      status: 'done',
      rowsRead: 10,
      rowsStored: 5,
      rowsRejected: 5,
    });
    expect(row?.rejections).toHaveLength(5);
  });

  it('stores nothing new when the same file is imported again', async () => {
    const file = join(dir, 'events.csv');
    const summary = await importFile(db, { kind: 'events', file });
    expect(summary).toMatchObject({ read: 10, stored: 0, duplicates: 5, rejected: 5 });
    expect(await count(`SELECT count(*) AS n FROM events`)).toBe(5);
  });

  it('leaves the tables it wrote analysed, so plans and status estimates have statistics', async () => {
    const analysed: Array<{ relname: string }> = await db.query(
      `SELECT relname FROM pg_stat_user_tables
       WHERE relname IN ('events_y2011m01', 'event_keys') AND last_analyze IS NOT NULL ORDER BY relname`,
    );
    expect(analysed.map((r) => r.relname)).toEqual(['event_keys', 'events_y2011m01']);
  });

  it('imports gzip NDJSON, in chunks, with explicit event ids', async () => {
    const lines = Array.from({ length: 25 }, (_, i) =>
      JSON.stringify({
        event_id: `nd-${i}`,
        customer_id: `nd-c${i % 3}`,
        product_id: i % 5,
        type: 'view',
        timestamp: `2011-02-01T10:${String(i).padStart(2, '0')}:00Z`,
        session_id: 's1',
      }),
    );
    lines.splice(3, 0, '{"event_id": "nd-bad", "customer_id": ');
    lines.push(
      JSON.stringify({
        event_id: 'nd-0',
        customer_id: 'x',
        product_id: 'y',
        type: 'view',
        timestamp: '2011-02-01',
      }),
    );
    const file = await write('events.ndjson.gz', gzipSync(`${lines.join('\n')}\n`));
    const summary = await importFile(db, { kind: 'events', file, mergeEveryRows: 7 });
    expect(summary).toMatchObject({ read: 27, stored: 25, duplicates: 1, rejected: 1 });
    expect(summary.rejections[0]?.line).toBe(4);
    expect(summary.rejections[0]?.errors[0]).toMatch(/^malformed JSON/);
    expect(await count(`SELECT count(*) AS n FROM events WHERE event_id LIKE 'nd-%'`)).toBe(25);
  });

  it('imports products and customers with attributes; the last row of a file wins', async () => {
    const products = await write(
      'products.csv.gz',
      gzipSync(
        [
          'product_id,name,category,brand,price,available,colour',
          'p1,Mug,mug,acme,4.5,true,red',
          'p2,Bag,bag,,2,false,',
          'p3,Bad,mug,,-1,true,blue',
          'p1,Mug v2,mug,acme,4.75,true,red',
        ].join('\n'),
      ),
    );
    const summary = await importFile(db, { kind: 'products', file: products });
    expect(summary).toMatchObject({ read: 4, stored: 2, rejected: 1 });
    expect(summary.rejections).toEqual([{ line: 4, errors: ['price must be zero or more (got -1)'] }]);
    const rows = await db.query(
      `SELECT product_id, name, category, brand, price, available, attributes, stub FROM products WHERE product_id IN ('p1', 'p2') ORDER BY product_id`,
    );
    expect(rows).toEqual([
      {
        product_id: 'p1',
        name: 'Mug v2',
        category: 'mug',
        brand: 'acme',
        price: 4.75,
        available: true,
        attributes: { colour: 'red' },
        stub: false,
      },
      {
        product_id: 'p2',
        name: 'Bag',
        category: 'bag',
        brand: null,
        price: 2,
        available: false,
        attributes: {},
        stub: false,
      },
    ]);
    expect(await importFile(db, { kind: 'products', file: products })).toMatchObject({
      stored: 0,
      duplicates: 3,
    });

    const customers = await write(
      'customers.ndjson',
      [
        JSON.stringify({
          customer_id: 'c1',
          segment: 'France',
          signup_date: '2010-12-01T09:00:00Z',
          country: 'France',
          vip: true,
        }),
        JSON.stringify({ customer_id: 'c9', signup_date: 'soon' }),
      ].join('\n'),
    );
    const c = await importFile(db, { kind: 'customers', file: customers });
    expect(c).toMatchObject({ read: 2, stored: 1, rejected: 1 });
    const [c1] = await db.query(
      `SELECT segment, signup_date, attributes, stub FROM customers WHERE customer_id = 'c1'`,
    );
    expect(c1).toEqual({
      segment: 'France',
      signup_date: new Date('2010-12-01T09:00:00Z'),
      attributes: { country: 'France', vip: true },
      stub: false,
    });
  });

  it('rejects the one row with NUL in a 30,001-row file by its line and stores the others (issue #15)', async () => {
    const rows = Array.from(
      { length: 30_001 },
      (_, i) => `nul-c${i % 97},nul-p${i % 89},view,2011-03-01T10:00:00Z,nul-${i}`,
    );
    rows[12_345] = 'nul-c1,nul\u0000p,view,2011-03-01T10:00:00Z,nul-x';
    const file = await write(
      'nul.csv',
      ['customer_id,product_id,type,timestamp,event_id', ...rows].join('\n'),
    );
    const summary = await importFile(db, { kind: 'events', file });
    expect(summary).toMatchObject({ read: 30_001, stored: 30_000, rejected: 1 });
    expect(summary.rejections).toEqual([
      { line: 12_347, errors: ['product_id contains a NUL character (U+0000)'] },
    ]);
    expect(await count(`SELECT count(*) AS n FROM events WHERE event_id LIKE 'nul-%'`)).toBe(30_000);
  });

  it('rejects NDJSON records with NUL or a lone surrogate in an attribute, naming it', async () => {
    const file = await write(
      'nul-products.ndjson',
      [
        '{"product_id": "nul-1", "colour": "re\\u0000d"}',
        '{"product_id": "nul-2", "attributes": {"size\\u0000": "L"}}',
        '{"product_id": "nul-3", "name": "\\ud800"}',
        '{"product_id": "nul-4", "colour": "blue"}',
      ].join('\n'),
    );
    const summary = await importFile(db, { kind: 'products', file });
    expect(summary).toMatchObject({ read: 4, stored: 1, rejected: 3 });
    expect(summary.rejections).toEqual([
      { line: 1, errors: ['attribute "colour" contains a NUL character (U+0000)'] },
      { line: 2, errors: ['attribute name "size\\u0000" contains a NUL character (U+0000)'] },
      { line: 3, errors: ['name contains a lone UTF-16 surrogate (not valid Unicode)'] },
    ]);
  });

  it('reports rows with invalid UTF-8 by line and stores the others unchanged (issue #15, defect 4)', async () => {
    const csv = Buffer.concat([
      Buffer.from('product_id,name\nutf-ok,caf\u00e9 \u20ac\n'),
      Buffer.from('csvbad\xff\xfeutf,x\n', 'latin1'),
      Buffer.from('utf-name,"bad ', 'latin1'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"\nutf-last,fine\n'),
    ]);
    const summary = await importFile(db, { kind: 'products', file: await write('bad-utf8.csv', csv) });
    expect(summary).toMatchObject({ read: 4, stored: 2, rejected: 2 });
    expect(summary.rejections).toEqual([
      { line: 3, errors: ['invalid UTF-8 in product_id'] },
      { line: 4, errors: ['invalid UTF-8 in name'] },
    ]);
    const names = await db.query(
      `SELECT product_id, name FROM products WHERE product_id LIKE 'utf-%' OR product_id LIKE 'csvbad%' ORDER BY product_id`,
    );
    expect(names).toEqual([
      { product_id: 'utf-last', name: 'fine' },
      { product_id: 'utf-ok', name: 'caf\u00e9 \u20ac' },
    ]);

    const ndjson = Buffer.concat([
      Buffer.from('{"customer_id": "utf-c1"}\n{"customer_id": "utf-'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}\n{"customer_id": "utf-c3"}\n'),
    ]);
    const c = await importFile(db, { kind: 'customers', file: await write('bad-utf8.ndjson', ndjson) });
    expect(c).toMatchObject({ read: 3, stored: 2, rejected: 1 });
    expect(c.rejections).toEqual([{ line: 2, errors: ['invalid UTF-8'] }]);
  });

  it('stops on a header without a required column and marks the import failed', async () => {
    const file = await write('no-type.csv', 'customer_id,product_id,timestamp\nc1,p1,2011-01-01\n');
    await expect(importFile(db, { kind: 'events', file })).rejects.toThrow(
      /no-type\.csv:1: the header has no type column/,
    );
    const [row] = await new ImportRepository(db).latest(1);
    expect(row).toMatchObject({ status: 'failed', source: file });
    expect(row?.error).toMatch(/no type column/);
  });
});
