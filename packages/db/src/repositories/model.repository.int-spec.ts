import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { BuildRepository } from './build.repository';
import { ModelRepository, ModelStateError, type TrainedModel } from './model.repository';

describe('ModelRepository (real Postgres)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let builds: BuildRepository;
  let models: ModelRepository;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 4 }).initialize();
    builds = new BuildRepository(db);
    models = new ModelRepository(db);
  });

  afterAll(async () => {
    await db.destroy();
    await testDb.drop();
  });

  const trained = (asOf: string): TrainedModel => ({
    artifact: new Uint8Array([1, 2, 3]),
    asOf: new Date(asOf),
    windows: [],
    config: {},
    features: ['a'],
    trainedRows: 10,
    report: null,
  });

  /** A finished build to attach models to (models name the build that trained them). */
  const build = async (): Promise<string> => {
    const b = await builds.create({ asOf: null, trigger: 'test', config: {}, kind: 'training' });
    await builds.markRunning(b.id, new Date('2011-11-09T00:00:00Z'));
    await builds.finishTraining(b.id);
    return b.id;
  };

  /** Every model's status by id, read in one statement (a consistent picture). */
  const statuses = async (): Promise<Record<string, string>> =>
    Object.fromEntries(
      (await db.query<{ id: string; status: string }[]>(`SELECT id, status FROM models ORDER BY id`)).map(
        (r) => [String(r.id), r.status],
      ),
    );

  let a: string;
  let b: string;
  let c: string;

  it('stores trained models; the first active one replaces none', async () => {
    a = (await models.store(null, await build(), trained('2011-10-01T00:00:00Z'), 'active')).id;
    b = (await models.store(null, await build(), trained('2011-10-15T00:00:00Z'), 'candidate')).id;
    c = (await models.store(null, await build(), trained('2011-11-01T00:00:00Z'), 'candidate')).id;
    expect(await statuses()).toEqual({ [a]: 'active', [b]: 'candidate', [c]: 'candidate' });
    expect(await models.artifact(a)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('activation flips the active model in one transaction: exactly two rows change', async () => {
    const before = await statuses();
    expect(await models.activate(b)).toBe(a);
    const after = await statuses();
    const changed = Object.keys(after).filter((id) => after[id] !== before[id]);
    expect(changed.sort()).toEqual([a, b].sort());
    expect(after).toMatchObject({ [a]: 'retired', [b]: 'active', [c]: 'candidate' });
    // Activating the active model changes nothing.
    expect(await models.activate(b)).toBeNull();
    expect(await statuses()).toEqual(after);
  });

  it('the database itself refuses a second active model', async () => {
    await expect(db.query(`UPDATE models SET status = 'active' WHERE id = $1`, [c])).rejects.toThrow(
      /models_one_active/,
    );
  });

  it('concurrent activations leave exactly one active model', async () => {
    const results = await Promise.allSettled([models.activate(c), models.activate(a)]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const active = Object.values(await statuses()).filter((s) => s === 'active');
    expect(active).toHaveLength(1);
  });

  it('rollback re-activates the model active before, walking back when repeated', async () => {
    // Make the history certain: a, then b, then c were activated, in that order.
    await models.activate(a);
    await models.activate(b);
    await models.activate(c);
    expect(await models.rollback()).toEqual({ id: b, replaced: c });
    expect(await statuses()).toEqual({ [a]: 'retired', [b]: 'active', [c]: 'retired' });
    expect(await models.rollback()).toEqual({ id: a, replaced: b });
    expect(await statuses()).toEqual({ [a]: 'active', [b]: 'retired', [c]: 'retired' });
    await expect(models.rollback()).rejects.toThrow(ModelStateError);
    expect(await statuses()).toEqual({ [a]: 'active', [b]: 'retired', [c]: 'retired' });
  });

  it('refuses to activate a model that is training or failed', async () => {
    const training = await builds.create({ asOf: null, trigger: 'test', config: {}, kind: 'training' });
    const row = await models.createTraining(training.id, null, {});
    await expect(models.activate(row.id)).rejects.toThrow(/only a trained model/);
    // The model fails with its build.
    await builds.fail(training.id, 'stopped by test');
    expect(await models.get(row.id)).toMatchObject({ status: 'failed', error: 'stopped by test' });
    await expect(models.activate(row.id)).rejects.toThrow(ModelStateError);
  });

  it("a rebuild ranks with the active model only if it saw nothing at or after the build's as-of", async () => {
    const active = (await models.active())!; // a, as of 2011-10-01
    const later = await builds.create({
      asOf: new Date('2011-10-02T00:00:00Z'),
      trigger: 'test',
      config: {},
    });
    expect(later.modelId).toBe(active.id);
    await builds.fail(later.id, 'done');
    const same = await builds.create({ asOf: new Date('2011-10-01T00:00:00Z'), trigger: 'test', config: {} });
    expect(same.modelId).toBe(active.id);
    await builds.fail(same.id, 'done');
    const earlier = await builds.create({
      asOf: new Date('2011-09-30T00:00:00Z'),
      trigger: 'test',
      config: {},
    });
    expect(earlier.modelId).toBeNull();
    await builds.fail(earlier.id, 'done');
    // A training build never ranks with a model.
    const training = await builds.create({ asOf: null, trigger: 'test', config: {}, kind: 'training' });
    expect(training.modelId).toBeNull();
    await builds.fail(training.id, 'done');
  });

  it('store activates only if the active model is still the one the gate compared with', async () => {
    const current = (await models.active())!.id;
    const stale = await models.store(
      null,
      await build(),
      trained('2011-11-05T00:00:00Z'),
      'active',
      'not-it',
    );
    expect(stale.status).toBe('candidate');
    expect((await models.active())!.id).toBe(current);
    const fresh = await models.store(null, await build(), trained('2011-11-06T00:00:00Z'), 'active', current);
    expect(fresh.status).toBe('active');
    expect((await models.get(current))!.status).toBe('retired');
  });
});
