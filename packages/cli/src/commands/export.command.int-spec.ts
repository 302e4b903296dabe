import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import { publishedBuild, rankedItems } from '../__fixtures__/builds';
import { CatalogRepository, RuleRepository } from '@nextbuy/db';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { bufferOutput } from '../output';
import { runExport } from './export.command';

/** More customers than one page of `allRecommendations`, with lists of different lengths. */
const CUSTOMERS = Array.from({ length: 2300 }, (_, i) => `c${String(i).padStart(5, '0')}`);
const LENGTH = (i: number) => 1 + (i % 7);

describe('nextbuy export (real Postgres)', () => {
  let testDb: TestDatabase;
  let dir: string;
  let buildId: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'nb-export-'));
  });

  afterAll(async () => {
    await testDb.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const rowsOf = (csv: string) =>
    csv
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));

  it('exits 1 when no build is active', async () => {
    const output = bufferOutput();
    const result = await runExport(testDb.url, { out: join(dir, 'none.csv') }, output);
    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(output.stderr).toEqual(['there is no active build to export: run `nextbuy rebuild --wait` first']);
  });

  it('writes every customer of the active build, ranks 1..n, no duplicate pairs', async () => {
    buildId = await withDatabase(testDb.url, (db) =>
      publishedBuild(
        db,
        CUSTOMERS.map((c, i) => ({ customer_id: c, items: rankedItems(c, LENGTH(i)).reverse() })),
      ),
    );
    const out = join(dir, 'all.csv');
    const output = bufferOutput();
    const result = await runExport(testDb.url, { out }, output);
    const expectedRows = CUSTOMERS.reduce((n, _, i) => n + LENGTH(i), 0);
    expect(result).toEqual({ exitCode: EXIT_OK, buildId, rows: expectedRows, customers: CUSTOMERS.length });
    expect(output.stdout).toEqual([
      `wrote ${expectedRows.toLocaleString('en')} rows for 2,300 customers of build ${buildId} → ${out}`,
    ]);
    const csv = await readFile(out, 'utf8');
    expect(csv.split('\n')[0]).toBe('customer_id,rank,product_id,score,strategy');
    const rows = rowsOf(csv);
    expect(rows).toHaveLength(expectedRows);
    expect(new Set(rows.map(([c, , p]) => `${c}|${p}`)).size).toBe(rows.length);
    const ranks = new Map<string, number[]>();
    for (const [c, rank] of rows) ranks.set(c!, [...(ranks.get(c!) ?? []), Number(rank)]);
    expect([...ranks.keys()].sort()).toEqual(CUSTOMERS);
    CUSTOMERS.forEach((c, i) =>
      expect(ranks.get(c)).toEqual(Array.from({ length: LENGTH(i) }, (_, k) => k + 1)),
    );
    expect(rows[0]).toEqual(['c00000', '1', 'c00000-p0', '1', 'repurchase']);
  });

  it('--limit keeps the top N of each customer (and .gz compresses)', async () => {
    const out = join(dir, 'top2.csv.gz');
    const result = await runExport(testDb.url, { out, limit: '2' }, bufferOutput());
    const rows = rowsOf(gunzipSync(await readFile(out)).toString('utf8'));
    const expectedRows = CUSTOMERS.reduce((n, _, i) => n + Math.min(2, LENGTH(i)), 0);
    expect(result.rows).toBe(expectedRows);
    expect(rows).toHaveLength(expectedRows);
    expect(rows.every(([, rank]) => rank === '1' || rank === '2')).toBe(true);
    await expect(runExport(testDb.url, { out, limit: '0' }, bufferOutput())).rejects.toThrow(FatalError);
  });

  const NO_FIELDS = {
    name: undefined,
    category: undefined,
    brand: undefined,
    price: undefined,
    attributes: {},
  };

  it('applies what serving applies: unavailable products left out, then the rules (--no-rules: as built)', async () => {
    await withDatabase(testDb.url, async (db) => {
      await new CatalogRepository(db).upsertProducts([
        { ...NO_FIELDS, product_id: 'c00006-p0', available: false },
        { ...NO_FIELDS, product_id: 'new-1', name: 'New', category: 'mugs', available: true },
      ]);
      const rule = {
        name: '',
        position: null,
        factor: null,
        filter: null,
        context: null,
        starts_at: null,
        ends_at: null,
        priority: 0,
      };
      await new RuleRepository(db).create({ ...rule, kind: 'pin', condition: "id = 'new-1'", position: 2 });
      await new RuleRepository(db).create({
        ...rule,
        kind: 'filter',
        filter: 'exclude',
        condition: "id = 'c00006-p3'",
      });
    });
    const out = join(dir, 'ruled.csv');
    await runExport(testDb.url, { out }, bufferOutput());
    const c6 = rowsOf(await readFile(out, 'utf8')).filter(([c]) => c === 'c00006');
    // c00006 has 7 stored items, ranked p0..p6: p0 unavailable, p3 excluded, new-1 pinned at 2.
    expect(c6.map(([, rank, p]) => `${rank}:${p}`)).toEqual([
      '1:c00006-p1',
      '2:new-1',
      '3:c00006-p2',
      '4:c00006-p4',
      '5:c00006-p5',
      '6:c00006-p6',
    ]);
    expect(c6[1]).toEqual(['c00006', '2', 'new-1', '0', 'popular']);
    const raw = join(dir, 'raw.csv');
    await runExport(testDb.url, { out: raw, rules: false }, bufferOutput());
    expect(rowsOf(await readFile(raw, 'utf8')).filter(([c]) => c === 'c00006')).toHaveLength(7);
  });
});
