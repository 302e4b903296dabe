/**
 * Models end to end (issue #14): training builds through the queues, the gate, rebuilds that rank
 * with the active model or train their own when it saw their future, activation and rollback.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Env } from '@nextbuy/config';
import type { BuildView, ModelActivation, ModelView, TrainAccepted } from '@nextbuy/contracts';
import { bufferOutput, runModelsList, runTrain } from '@nextbuy/cli';
import { BuildOutputRepository, CatalogRepository, EventRepository, ModelRepository } from '@nextbuy/db';
import {
  buildAttributeGraph,
  buildTrainingWindowWithHoldout,
  encodeRanker,
  FEATURE_COUNT,
  resolveConfig,
  trainRankerModel,
} from '@nextbuy/engine';
import { expectedStages, featureNames, readSnapshot } from '@nextbuy/rebuild';
import type { DataSource } from 'typeorm';
import { AppModule as CandidatesApp } from '../../apps/candidates/src/app.module';
import { AppModule as FeaturesApp } from '../../apps/features/src/app.module';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';
import { startStack, waitForBuild, type E2eStack } from './stack';

jest.setTimeout(120_000);

const ADMIN = { 'x-api-key': 'e2e-admin' };
const READ = { 'x-api-key': 'e2e-read' };
/** A reference time before the synthetic shop's newest event (its history ends 2011-11-30). */
const PAST = '2011-10-31T00:00:00.000Z';

describe('models end to end (real Postgres, Redis and queues)', () => {
  let stack: E2eStack;
  let db: DataSource;
  let env: Env;
  let ingestion: NestFastifyApplication;
  let models: ModelRepository;

  const post = async <T>(url: string, payload?: object, status = 202): Promise<T> => {
    const res = await ingestion.inject({ method: 'POST', url, headers: ADMIN, payload: payload ?? {} });
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status });
    return res.json();
  };
  const model = async (id: string): Promise<ModelView> =>
    (await ingestion.inject({ method: 'GET', url: `/v1/models/${id}`, headers: READ })).json();
  const waitFor = (id: string, statuses: string[]): Promise<BuildView> =>
    waitForBuild(ingestion, ADMIN, id, statuses, 90_000);

  beforeAll(async () => {
    stack = await startStack('e2e-admin:admin,e2e-read:read', { REBUILD_SHARDS: '2' });
    ({ db, env } = stack);
    models = new ModelRepository(db);
    [ingestion] = await Promise.all([
      stack.bootApp(IngestionApp),
      stack.bootApp(FeaturesApp),
      stack.bootApp(CandidatesApp),
    ]);
  });

  afterAll(async () => {
    await stack?.close();
  });

  let first: TrainAccepted;
  /** The first model's as-of: the newest event's time (no as_of asked). */
  let asOf: string;

  it('trains a model through the queues; with no model active, the gate activates it', async () => {
    first = await post<TrainAccepted>('/v1/models/train');
    const done = await waitFor(first.build_id, ['trained', 'failed']);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'trained', kind: 'training', model_id: null });
    const config = resolveConfig();
    expect(Object.keys(done.stages).sort()).toEqual(expectedStages(config, 2, 'train').sort());
    const m = await model(first.model_id);
    asOf = done.as_of!;
    expect(m).toMatchObject({
      status: 'active',
      build_id: first.build_id,
      as_of: asOf,
      features: featureNames(),
      report: { decision: 'activated', active: null, k: 12, tolerance: 0.003 },
    });
    expect(m.windows).toHaveLength(config.ranker.trainingWindows);
    expect(m.report!.horizon).toEqual({
      from: new Date(Date.parse(asOf) - 30 * 86_400_000).toISOString(),
      to: asOf,
    });
    expect(m.report!.customers).toBeGreaterThan(0);
    // The training build's intermediate artifacts are gone; the model is a record of its own.
    await expect(new BuildOutputRepository(db).loadArtifact(first.build_id, 'snapshot')).rejects.toThrow();
    expect((await models.artifact(first.model_id)).length).toBeGreaterThan(0);
  });

  it('a rebuild with an active model ranks with it and skips the training stages', async () => {
    const { build_id } = await post<{ build_id: string }>('/v1/rebuilds');
    const done = await waitFor(build_id, ['published', 'failed']);
    expect(done.error).toBeNull();
    expect(done.model_id).toBe(first.model_id);
    expect(Object.keys(done.stages).sort()).toEqual(expectedStages(resolveConfig(), 2, 'rank').sort());
    expect(done.stages.snapshot!.detail).toBe(`ranks with model ${first.model_id}`);
  });

  let oracle: string;
  let refused: TrainAccepted;

  it('the gate refuses a worse model and keeps the active one', async () => {
    // An active model no honest model can match: fitted on the gate's own holdout rows and labels.
    const config = resolveConfig();
    // The same snapshot as the next training's (no as_of asked: the newest event, inclusive).
    const s = await readSnapshot(
      { events: new EventRepository(db), catalog: new CatalogRepository(db) },
      new Date(asOf),
      true,
    );
    const { holdout } = buildTrainingWindowWithHoldout(s, config, 1, {
      attributes: buildAttributeGraph(s, config),
    });
    const y = new Float32Array(holdout.product.length);
    for (let r = 0; r < y.length; r++) {
      const q = holdout.query[r]!;
      const bought = holdout.bought.subarray(holdout.boughtOffsets[q]!, holdout.boughtOffsets[q + 1]!);
      y[r] = bought.includes(holdout.product[r]!) ? 1 : 0;
    }
    expect(holdout.x.length).toBe(y.length * FEATURE_COUNT);
    const fitted = trainRankerModel(
      { x: holdout.x, y, query: holdout.query },
      { ...config.ranker, trees: 200, minLeafWeight: 0.01, rowSample: 1, holdoutPercent: 0 },
    );
    const current = (await models.active())!.id;
    oracle = (
      await models.store(
        null,
        null,
        {
          artifact: encodeRanker(fitted),
          asOf: new Date(asOf),
          windows: [],
          config: {},
          features: featureNames(),
          trainedRows: fitted.trainedRows,
          report: null,
        },
        'active',
        current,
      )
    ).id;

    refused = await post<TrainAccepted>('/v1/models/train');
    expect((await waitFor(refused.build_id, ['trained', 'failed'])).status).toBe('trained');
    const m = await model(refused.model_id);
    expect(m.status).toBe('candidate');
    expect(m.report).toMatchObject({ decision: 'refused', active: { model_id: oracle } });
    expect(m.report!.candidate.map).toBeLessThan(m.report!.active!.map - m.report!.tolerance);
    expect((await models.active())!.id).toBe(oracle);
    // The first training computed its attribute graph; this one, over the same catalogue, decoded the
    // graph the rebuild in between stored: the same windows, so the very same model.
    expect(Buffer.from(await models.artifact(refused.model_id))).toEqual(
      Buffer.from(await models.artifact(first.model_id)),
    );
    const listed = (
      await ingestion.inject({ method: 'GET', url: '/v1/models?limit=10', headers: READ })
    ).json<ModelView[]>();
    expect(listed.map((x) => [x.model_id, x.status])).toEqual([
      [refused.model_id, 'candidate'],
      [oracle, 'active'],
      [first.model_id, 'retired'],
    ]);
  });

  it('a rebuild refuses a model trained after its as-of: it trains its own and says so', async () => {
    const { build_id } = await post<{ build_id: string }>('/v1/rebuilds', { as_of: PAST });
    const done = await waitFor(build_id, ['published', 'failed']);
    expect(done.error).toBeNull();
    expect(done.model_id).toBeNull();
    expect(Object.keys(done.stages).sort()).toEqual(
      expectedStages(resolveConfig(), 2, 'train-and-rank').sort(),
    );
    expect(done.stages.ranker).toMatchObject({
      status: 'done',
      detail: expect.stringMatching(/: retired \(older than the active model/),
    });
    // Its model is stored, older than the active one: retired, never swapped in.
    const own = (await models.ofBuild(build_id))!;
    expect(own).toMatchObject({ status: 'retired', report: { decision: 'kept' } });
    expect(own.asOf!.toISOString()).toBe(PAST);
    expect((await models.active())!.id).toBe(oracle);
  });

  it('activates a model and rolls back, each a flip of the active model', async () => {
    const activated = await post<ModelActivation>(`/v1/models/${refused.model_id}/activate`, undefined, 200);
    expect(activated).toMatchObject({
      model: { model_id: refused.model_id, status: 'active' },
      replaced: oracle,
    });
    expect((await model(oracle)).status).toBe('retired');
    const back = await post<ModelActivation>('/v1/models/rollback', undefined, 200);
    expect(back).toMatchObject({ model: { model_id: oracle, status: 'active' }, replaced: refused.model_id });
    expect((await model(refused.model_id)).status).toBe('retired');
    // Clear refusals: unknown model, a model that cannot serve, read-only keys.
    await post('/v1/models/999999/activate', undefined, 404);
    const res = await ingestion.inject({
      method: 'POST',
      url: '/v1/models/train',
      headers: READ,
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    await post('/v1/models/train', { as_of: 'yesterday' }, 400);
  });

  it('nextbuy train --wait follows the training and prints the gate report; models list shows it', async () => {
    const output = bufferOutput();
    const result = await runTrain({ ...env, DATABASE_URL: env.DATABASE_URL }, { wait: true }, output, {
      pollMs: 100,
      stallMs: 60_000,
    });
    expect(result.exitCode).toBe(0);
    expect(result.build).toMatchObject({ status: 'trained', kind: 'training' });
    expect(output.stdout).toContainEqual(expect.stringMatching(/^ {2}decision: refused \(MAP@12 /));
    const list = bufferOutput();
    expect(await runModelsList(env, list)).toBe(0);
    expect(list.stdout).toHaveLength(5);
    expect(list.stdout[0]).toMatch(/^ +\d+ {2}candidate {2}as of 2011-11-\d\dT/);
  });
});
