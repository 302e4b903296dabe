import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EvaluationRepository } from '@nextbuy/db';
import { importFile } from '@nextbuy/importer';
import { createTestDatabase, writeSyntheticRetail, type TestDatabase } from '@nextbuy/testing';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_FATAL, EXIT_OK, FatalError } from '../errors';
import { bufferOutput } from '../output';
import { runEvaluate } from './evaluate.command';

const ROOT = resolve(__dirname, '../../../..');
const run = promisify(execFile);
const ENGINE = { ranker: { trees: 10 } };

describe('nextbuy evaluate (real Postgres)', () => {
  let testDb: TestDatabase;
  let dir: string;
  let env: { DATABASE_URL: string };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = { DATABASE_URL: testDb.url };
    dir = mkdtempSync(join(tmpdir(), 'nextbuy-evaluate-'));
    const fixture = writeSyntheticRetail(dir);
    await withDatabase(testDb.url, async (db) => {
      for (const kind of ['products', 'customers', 'events'] as const) {
        expect((await importFile(db, { kind, file: fixture[kind] })).rejected).toBe(0);
      }
    });
  });

  afterAll(async () => {
    await testDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the table with the evaluation id and stores the report', async () => {
    const output = bufferOutput();
    const result = await runEvaluate(
      env,
      { asOf: '2011-11-01T00:00:00Z', horizonDays: '20', k: '6' },
      output,
      ENGINE,
    );
    expect(result.exitCode).toBe(EXIT_OK);
    const text = output.stdout.join('\n');
    expect(text).toMatch(
      new RegExp(`^evaluation ${result.evaluationId}: as of 2011-11-01T00:00:00.000Z, next 20 days, k = 6`),
    );
    expect(text).toMatch(/^method\s+MAP@6\s+Recall@6\s+Precision@6\s+NDCG@6\s+hit rate\s+coverage$/m);
    expect(text).toMatch(/^engine \(gbdt ranker\)\s+\d+\.\d\d%/m);
    expect(text).toMatch(/^popularity, last 30 days\s+\d+\.\d\d%/m);
    expect(text).toMatch(/^strategy alone: repurchase\s+/m);
    const stored = await withDatabase(testDb.url, (db) =>
      new EvaluationRepository(db).get(result.evaluationId!),
    );
    expect(stored).toMatchObject({ status: 'done', k: 6, horizon_days: 20 });
    expect(stored!.report!.rows[0]!.metrics.map).toBeCloseTo(result.report!.rows[0]!.metrics.map, 12);
  });

  it('--json prints the report', async () => {
    const output = bufferOutput();
    const result = await runEvaluate(env, { asOf: '2011-11-01T00:00:00Z', json: true }, output, ENGINE);
    const report = JSON.parse(output.stdout.join('\n')) as {
      evaluation_id: string;
      k: number;
      horizon_days: number;
      rows: unknown[];
    };
    expect(report).toMatchObject({ evaluation_id: result.evaluationId, k: 12, horizon_days: 30 });
    expect(report.rows.length).toBe(result.report!.rows.length);
  });

  it('exits 1 with a clear message when nobody bought in the horizon', async () => {
    const output = bufferOutput();
    const result = await runEvaluate(env, { asOf: '2012-06-01T00:00:00Z' }, output, ENGINE);
    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(output.stderr.join('\n')).toMatch(
      /^no purchases between 2012-06-01T00:00:00.000Z and 2012-07-01T00:00:00.000Z/,
    );
    expect(output.stdout).toEqual([]);
  });

  it('refuses bad arguments (exit 2 from the command line)', async () => {
    const output = bufferOutput();
    await expect(runEvaluate(env, {}, output)).rejects.toThrow(/--as-of is required/);
    await expect(runEvaluate(env, { asOf: 'yesterday' }, output)).rejects.toThrow(FatalError);
    await expect(runEvaluate(env, { asOf: '2011-11-01', k: '0' }, output)).rejects.toThrow(
      /--k must be a whole number/,
    );
    await expect(runEvaluate(env, { asOf: '2011-11-01', horizonDays: 'x' }, output)).rejects.toThrow(
      /--horizon-days must be a whole number/,
    );
    const child = await run('npx', ['tsx', 'packages/cli/src/main.ts', 'evaluate', '--as-of', 'nope'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: testDb.url },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(child).toMatchObject({
      code: EXIT_FATAL,
      stderr: expect.stringMatching(/--as-of must be an ISO 8601/),
    });
  });
});
