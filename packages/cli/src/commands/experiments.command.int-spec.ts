import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ExperimentReport } from '@nextbuy/contracts';
import { FeedbackRepository } from '@nextbuy/db';
import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { bufferOutput } from '../output';
import {
  runExperimentsCreate,
  runExperimentsList,
  runExperimentsReport,
  runExperimentsTransition,
} from './experiments.command';

const VARIANTS = JSON.stringify([
  { name: 'control', share: 0.5, config: { source: 'popular' } },
  { name: 'engine', share: 0.5 },
]);

describe('nextbuy experiments (real Postgres)', () => {
  let testDb: TestDatabase;
  let env: { DATABASE_URL: string };
  let dir: string;
  let id: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = { DATABASE_URL: testDb.url };
    dir = await mkdtemp(join(tmpdir(), 'nextbuy-experiments-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await testDb.drop();
  });

  it('creates a draft from inline JSON', async () => {
    const output = bufferOutput();
    const result = await runExperimentsCreate(env, { name: 'home-page', variants: VARIANTS }, output);
    expect(result.exitCode).toBe(EXIT_OK);
    id = result.experiment!.experiment_id;
    expect(output.stdout).toEqual([
      `${id.padStart(4)}  draft    home-page  control 50%, engine 50%`,
      `created as a draft: nextbuy experiments start ${id}`,
    ]);
  });

  it('creates one from a file, and prints JSON with --json', async () => {
    const file = join(dir, 'variants.json');
    await writeFile(file, VARIANTS);
    const output = bufferOutput();
    const result = await runExperimentsCreate(env, { name: 'from-file', variants: file, json: true }, output);
    expect(result.exitCode).toBe(EXIT_OK);
    expect(JSON.parse(output.stdout.join('\n'))).toMatchObject({ name: 'from-file', status: 'draft' });
  });

  it('exits 1 for a taken name', async () => {
    const output = bufferOutput();
    expect(
      (await runExperimentsCreate(env, { name: 'home-page', variants: VARIANTS }, output)).exitCode,
    ).toBe(EXIT_FAILED);
    expect(output.stderr).toEqual(['an experiment named "home-page" already exists; pick another name']);
  });

  it.each([
    [{ variants: VARIANTS }, '--name is required'],
    [{ name: 'x' }, /^--variants is required/],
    [{ name: 'x', variants: '[{"name": ' }, /^--variants: not valid JSON/],
    [{ name: 'x', variants: '/nope/missing.json' }, /^--variants: cannot read "\/nope\/missing.json"/],
    [
      { name: 'x', variants: '[{"name":"a","share":0.7}]' },
      'invalid experiment: variants: variant shares must sum to 1 (got 0.7)',
    ],
  ])('refuses bad arguments %j (exit 2)', async (options, message) => {
    const attempt = runExperimentsCreate(env, options, bufferOutput());
    await expect(attempt).rejects.toBeInstanceOf(FatalError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('lists experiments newest first', async () => {
    const output = bufferOutput();
    const list = await runExperimentsList(env, {}, output);
    expect(list.map((e) => e.name)).toEqual(['from-file', 'home-page']);
    expect(output.stdout).toHaveLength(2);
  });

  it('starts one at a time and stops it; exit 1 with the reason otherwise', async () => {
    const started = bufferOutput();
    expect((await runExperimentsTransition(env, 'start', id, started)).exitCode).toBe(EXIT_OK);
    expect(started.stdout[1]).toBe('running: serving assigns its variants within a few seconds');
    const other = (await runExperimentsList(env, {}, bufferOutput())).find((e) => e.name === 'from-file')!;
    const refused = bufferOutput();
    expect((await runExperimentsTransition(env, 'start', other.experiment_id, refused)).exitCode).toBe(
      EXIT_FAILED,
    );
    expect(refused.stderr).toEqual([
      `experiment ${id} is running; stop it first (at most one experiment runs at a time)`,
    ]);
    const unknown = bufferOutput();
    expect((await runExperimentsTransition(env, 'stop', '424242', unknown)).exitCode).toBe(EXIT_FAILED);
    expect(unknown.stderr).toEqual(['experiment "424242" does not exist']);
  });

  it('reports the funnel as a table and as JSON', async () => {
    const recommendationId = randomUUID();
    await withDatabase(testDb.url, async (db) => {
      const feedback = new FeedbackRepository(db);
      await feedback.insertServed([
        {
          recommendationId,
          servedAt: new Date(),
          customerId: 'c1',
          buildId: '1',
          experimentId: id,
          variant: 'engine',
          productIds: ['p1', 'p2'],
          strategies: ['repurchase', 'collaborative'],
        },
      ]);
      const receivedAt = new Date();
      await feedback.insertFeedback([
        {
          recommendation_id: recommendationId,
          customer_id: 'c1',
          product_id: 'p1',
          type: 'impression',
          receivedAt,
        },
        {
          recommendation_id: recommendationId,
          customer_id: 'c1',
          product_id: 'p2',
          type: 'impression',
          receivedAt,
        },
        {
          recommendation_id: recommendationId,
          customer_id: 'c1',
          product_id: 'p2',
          type: 'click',
          receivedAt,
        },
      ]);
    });
    const table = bufferOutput();
    expect((await runExperimentsReport(env, id, {}, table)).exitCode).toBe(EXIT_OK);
    expect(table.stdout[0]).toMatch(new RegExp(`^experiment ${id} "home-page" \\(running\\), report of `));
    expect(table.stdout.slice(2)).toEqual([
      'variant  group                   shown  clicks              CTR (95% CI)  carts  bought   conversion (95% CI)',
      'control  all (0 answers)             0       0                         —      0       0                     —',
      'engine   all (1 answer)              2       1     50.00% (9.45%–90.55%)      0       0  0.00% (0.00%–65.76%)',
      '         strategy collaborative      1       1  100.00% (20.65%–100.00%)      0       0  0.00% (0.00%–79.35%)',
      '         strategy repurchase         1       0      0.00% (0.00%–79.35%)      0       0  0.00% (0.00%–79.35%)',
      '         position 1                  1       0      0.00% (0.00%–79.35%)      0       0  0.00% (0.00%–79.35%)',
      '         position 2                  1       1  100.00% (20.65%–100.00%)      0       0  0.00% (0.00%–79.35%)',
    ]);
    const json = bufferOutput();
    await runExperimentsReport(env, id, { json: true }, json);
    const report = JSON.parse(json.stdout.join('\n')) as ExperimentReport;
    expect(report.variants[1]).toMatchObject({
      variant: 'engine',
      recommendations: 1,
      impressions: 2,
      clicks: 1,
    });
  });

  it('stops the running experiment', async () => {
    const output = bufferOutput();
    expect((await runExperimentsTransition(env, 'stop', id, output)).exitCode).toBe(EXIT_OK);
    expect(output.stdout[0]).toMatch(/stopped {2}home-page/);
    const again = bufferOutput();
    expect((await runExperimentsTransition(env, 'stop', id, again)).exitCode).toBe(EXIT_FAILED);
    expect(again.stderr).toEqual([`experiment ${id} is stopped: only a running experiment can stop`]);
  });
});
