import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import { bufferOutput } from '../output';
import { EXIT_FATAL, EXIT_OK, EXIT_REJECTED_ROWS } from '../errors';
import { collectStatus } from './status.command';
import { runImport } from './import.command';
import { withDatabase } from '../database';

const ROOT = resolve(__dirname, '../../../..');
const run = promisify(execFile);

/** Runs the real command line (the built packages it imports must be current: `npm run build`). */
async function nextbuy(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'packages/cli/src/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('nextbuy import (real Postgres)', () => {
  let testDb: TestDatabase;
  let dir: string;
  let files: { products: string; customers: string; events: string; badEvents: string };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'nb-cli-'));
    files = {
      products: join(dir, 'products.csv'),
      customers: join(dir, 'customers.ndjson'),
      events: join(dir, 'events.csv.gz'),
      badEvents: join(dir, 'bad-events.csv'),
    };
    await writeFile(files.products, 'product_id,name,category,price\np1,Mug,mug,3\np2,Bag,bag,2\n');
    await writeFile(files.customers, '{"customer_id":"c1","segment":"UK","country":"United Kingdom"}\n');
    await writeFile(
      files.events,
      gzipSync(
        'customer_id,product_id,type,timestamp\nc1,p1,purchase,2011-01-01T10:00:00Z\nc1,p2,view,2011-01-01T10:05:00Z\n',
      ),
    );
    await writeFile(
      files.badEvents,
      'customer_id,product_id,type,timestamp\nc2,p1,view,2011-01-02T10:00:00Z\nc2,p1,stare,2011-01-02T10:00:00Z\n',
    );
  });

  afterAll(async () => {
    await testDb.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports products, customers, then events, and prints a summary per file', async () => {
    const output = bufferOutput();
    const { exitCode, summaries } = await runImport(
      testDb.url,
      { events: files.events, customers: files.customers, products: files.products },
      output,
    );
    expect(exitCode).toBe(EXIT_OK);
    expect(summaries.map((s) => [s.kind, s.stored])).toEqual([
      ['products', 2],
      ['customers', 1],
      ['events', 2],
    ]);
    expect(output.stdout).toHaveLength(3);
    expect(output.stdout[2]).toMatch(
      /^events .*events\.csv\.gz: read 2, stored 2, unchanged 0, rejected 0 in /,
    );
    expect(output.stderr).toEqual([]);
    const status = await withDatabase(testDb.url, collectStatus);
    // Events found their catalog rows: no stubs were needed.
    expect(status.counts).toEqual({ customers: 1, products: 2, events: 2 });
  });

  it('prints every rejected row as FILE:LINE: reason and exits 1', async () => {
    const result = await nextbuy(['import', '--events', files.badEvents], { DATABASE_URL: testDb.url });
    expect(result.code).toBe(EXIT_REJECTED_ROWS);
    expect(result.stderr).toContain(
      `${files.badEvents}:3: type must be one of view, click, cart_add, cart_remove, purchase, return (got "stare")`,
    );
    expect(result.stdout).toMatch(/read 2, stored 1, unchanged 0, rejected 1/);
  });

  it('exits 2 with one line for a missing file or an unreachable database', async () => {
    const missing = await nextbuy(['import', '--events', join(dir, 'nope.csv')], {
      DATABASE_URL: testDb.url,
    });
    expect(missing.code).toBe(EXIT_FATAL);
    expect(
      missing.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('npm warn')),
    ).toEqual([`nextbuy: ${join(dir, 'nope.csv')}: no such file`]);
    const down = await nextbuy(['status'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nextbuy' });
    expect(down.code).toBe(EXIT_FATAL);
    expect(down.stderr).toMatch(/nextbuy: cannot reach the database at 127\.0\.0\.1:1/);
    expect(down.stderr).not.toMatch(/\n\s+at /);
  });

  it('status --json prints the counts', async () => {
    const result = await nextbuy(['status', '--json'], { DATABASE_URL: testDb.url });
    expect(result.code).toBe(EXIT_OK);
    expect(JSON.parse(result.stdout)).toMatchObject({
      counts: { customers: 2, products: 2, events: 3 },
      active_build: null,
      builds_in_flight: [],
    });
  });
});
