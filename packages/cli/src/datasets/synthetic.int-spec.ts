import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import { generateSynthetic } from '../commands/dataset.command';
import { runImport } from '../commands/import.command';
import { collectStatus } from '../commands/status.command';
import { withDatabase } from '../database';
import { EXIT_OK } from '../errors';
import { bufferOutput } from '../output';

describe('a synthetic store imports cleanly (real Postgres)', () => {
  let testDb: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'nb-synthetic-import-'));
  });

  afterAll(async () => {
    await testDb.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores every product, customer and event, rejects nothing, creates no stubs', async () => {
    const { files } = await generateSynthetic({ customers: '120', products: '50', events: '3000', out: dir });
    const output = bufferOutput();
    const { exitCode, summaries } = await runImport(testDb.url, files, output);
    expect(output.stderr).toEqual([]);
    expect(exitCode).toBe(EXIT_OK);
    expect(summaries.map((s) => [s.kind, s.read, s.stored, s.rejected])).toEqual([
      ['products', 50, 50, 0],
      ['customers', 120, 120, 0],
      ['events', 3000, 3000, 0],
    ]);
    const status = await withDatabase(testDb.url, collectStatus);
    expect(status.counts).toEqual({ customers: 120, products: 50, events: 3000 });
  });
});
