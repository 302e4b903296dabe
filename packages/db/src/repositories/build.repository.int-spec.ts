import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { randomBytes } from 'node:crypto';
import { ARTIFACT_CHUNK_BYTES, BuildOutputRepository } from './build-output.repository';
import { BuildInFlightError, BuildRepository, BuildStateError, toBuildView } from './build.repository';
import { TaskRepository } from './task.repository';

describe('BuildRepository (real Postgres)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let builds: BuildRepository;
  let outputs: BuildOutputRepository;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 4 }).initialize();
    builds = new BuildRepository(db);
    outputs = new BuildOutputRepository(db);
  });

  afterAll(async () => {
    await db.destroy();
    await testDb.drop();
  });

  const runToPublished = async () => {
    const b = await builds.create({ asOf: null, trigger: 'test', config: {} });
    await builds.markRunning(b.id, new Date('2011-11-09T00:00:00Z'));
    await outputs.writeRecommendations(b.id, [{ customer_id: 'c1', items: [] }]);
    await builds.publish(b.id);
    return b.id;
  };

  it('refuses a second build while one is in flight', async () => {
    const first = await builds.create({ asOf: null, trigger: 'test', config: {} });
    await expect(builds.create({ asOf: null, trigger: 'test', config: {} })).rejects.toThrow(
      BuildInFlightError,
    );
    await builds.fail(first.id, 'stopped by test');
    const view = toBuildView((await builds.get(first.id))!);
    expect(view).toMatchObject({ status: 'failed', error: 'stopped by test', active: false });
  });

  it('publishes in one flip, superseding the previous build', async () => {
    const a = await runToPublished();
    const b = await builds.create({ asOf: null, trigger: 'test', config: {} });
    await builds.markRunning(b.id, new Date());
    expect(await builds.publish(b.id)).toBe(a);
    expect((await builds.active())!.id).toBe(b.id);
    expect((await builds.get(a))!.status).toBe('superseded');
  });

  it('never publishes a failed build, and a late failure never hides a published one', async () => {
    const b = await builds.create({ asOf: null, trigger: 'test', config: {} });
    await builds.fail(b.id, 'boom');
    await expect(builds.publish(b.id)).rejects.toThrow(BuildStateError);
    const active = (await builds.active())!;
    await builds.fail(active.id, 'late');
    expect((await builds.get(active.id))!.status).toBe('published');
  });

  it('rolls back to a kept build', async () => {
    const current = (await builds.active())!.id;
    const [older] = (await builds.list()).filter((b) => b.status === 'superseded');
    expect(await builds.rollback(older!.id)).toBe(current);
    expect((await builds.active())!.id).toBe(older!.id);
    await builds.rollback(current);
  });

  it('records stage progress from parallel stages without losing updates', async () => {
    const b = await builds.create({ asOf: null, trigger: 'test', config: {} });
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((s) => builds.updateStage(b.id, s, { status: 'running', progress: 0 })),
    );
    await builds.updateStage(b.id, 'a', { status: 'done', progress: 1, seconds: 0.5 });
    const stages = (await builds.get(b.id))!.stages;
    expect(Object.keys(stages).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(stages.a).toEqual({ status: 'done', progress: 1, seconds: 0.5 });
    await builds.fail(b.id, 'done with it');
  });

  it('garbage-collects old builds and their outputs, keeping the newest', async () => {
    for (let i = 0; i < 3; i++) await runToPublished();
    const deleted = await builds.collectGarbage(2);
    expect(deleted.length).toBeGreaterThan(0);
    const kept = (await builds.list(100)).filter((b) => ['published', 'superseded'].includes(b.status));
    expect(kept).toHaveLength(2);
    const [{ n }] = await db.query(`SELECT count(DISTINCT build_id)::int AS n FROM recommendations`);
    expect(n).toBe(2);
  });

  it('keeps one published build per task: publish and garbage collection stay within a task', async () => {
    await new TaskRepository(db).create('weekly', 'PREDICT …', {
      target: { event_types: ['cart_add'], horizon_days: 7 },
      k: 20,
      filter: null,
    });
    const weekly = async () => {
      const b = await builds.create({ asOf: null, trigger: 'test', config: {}, task: 'weekly' });
      await builds.markRunning(b.id, new Date());
      return { id: b.id, replaced: await builds.publish(b.id) };
    };
    const before = (await builds.active())!.id;
    const w1 = await weekly();
    expect(w1.replaced).toBeNull();
    expect((await builds.active())!.id).toBe(before);
    expect((await builds.active('weekly'))!.id).toBe(w1.id);
    const w2 = await weekly();
    expect(w2.replaced).toBe(w1.id);
    const d = await runToPublished();
    expect((await builds.active())!.id).toBe(d);
    expect((await builds.active('weekly'))!.id).toBe(w2.id);
    // Newer default builds do not push the task's builds out: BUILDS_KEEP counts per task.
    for (let i = 0; i < 3; i++) await runToPublished();
    await builds.collectGarbage(1);
    expect((await builds.get(w2.id))!.status).toBe('published');
    expect(await builds.get(w1.id)).toBeNull();
    expect(toBuildView((await builds.get(w2.id))!)).toMatchObject({ task: 'weekly', active: true });
    expect(await new TaskRepository(db).publishedBuild('weekly')).toEqual({ task: 'weekly', buildId: w2.id });
    expect(await new TaskRepository(db).publishedBuild('nope')).toBeNull();
  });

  it('overwrites a retried shard output and round-trips artifacts', async () => {
    const id = (await builds.active())!.id;
    await outputs.writeRecommendations(id, [
      {
        customer_id: 'c1',
        items: [
          {
            product_id: 'p',
            name: null,
            category: null,
            score: 1,
            rank: 1,
            strategy: 'popular',
            reasons: [],
          },
        ],
      },
    ]);
    expect(await outputs.recommendations(id, 'c1')).toHaveLength(1);
    await outputs.saveArtifact(id, 'x', new Uint8Array([1, 2, 3]));
    await outputs.saveArtifact(id, 'x', new Uint8Array([4, 5]));
    expect(Array.from(await outputs.loadArtifact(id, 'x'))).toEqual([4, 5]);
  });

  it('stores an artifact larger than one chunk as chunks and reads it back byte-identical', async () => {
    const b = await builds.create({ asOf: null, trigger: 'test', config: {} });
    const chunks = async (name: string) =>
      db.query<{ chunk: number; bytes: number }[]>(
        `SELECT chunk, octet_length(data) AS bytes FROM build_artifacts WHERE build_id = $1 AND name = $2 ORDER BY chunk`,
        [b.id, name],
      );
    // Many small chunks, the last one partial; then a rewrite with fewer chunks leaves none behind.
    const small = new Uint8Array(randomBytes(10_007));
    await outputs.saveArtifact(b.id, "it's", small, 1000);
    expect((await chunks("it's")).map((c) => c.bytes)).toEqual([...Array<number>(10).fill(1000), 7]);
    expect(Buffer.from(await outputs.loadArtifact(b.id, "it's")).equals(small)).toBe(true);
    await outputs.saveArtifact(b.id, "it's", small.subarray(0, 1500), 1000);
    expect((await chunks("it's")).map((c) => c.bytes)).toEqual([1000, 500]);
    expect(
      Buffer.from(await outputs.loadArtifact(b.id, "it's")).equals(Buffer.from(small.subarray(0, 1500))),
    ).toBe(true);
    // At the real chunk size: no stored value above it, and every byte back in order.
    const big = new Uint8Array(randomBytes(2 * ARTIFACT_CHUNK_BYTES + 12_345));
    await outputs.saveArtifact(b.id, 'big', big);
    expect((await chunks('big')).map((c) => c.bytes)).toEqual([
      ARTIFACT_CHUNK_BYTES,
      ARTIFACT_CHUNK_BYTES,
      12_345,
    ]);
    expect(Buffer.from(await outputs.loadArtifact(b.id, 'big')).equals(big)).toBe(true);
    // An empty artifact is one empty chunk; a missing one is an error naming it.
    await outputs.saveArtifact(b.id, 'empty', new Uint8Array(0));
    expect((await outputs.loadArtifact(b.id, 'empty')).length).toBe(0);
    await expect(outputs.loadArtifact(b.id, 'missing')).rejects.toThrow(/no artifact missing/);
    await builds.fail(b.id, 'test done');
  });
  it('finds the newest other build whose artifact was made from the same inputs, and copies it', async () => {
    // Builds one after another (one may be in flight at a time); their artifacts outlive them.
    const finished = async () => {
      const build = await builds.create({ asOf: null, trigger: 'test', config: {} });
      await builds.fail(build.id, 'test done');
      return build;
    };
    const a = await finished();
    const b = await finished();
    const c = await finished();
    const graph = new Uint8Array(randomBytes(2_500));
    await outputs.saveArtifact(a.id, 'graph', graph, 1000);
    await outputs.saveArtifactInputs(a.id, 'graph', 'digest-1');
    // Inputs recorded without their artifact (b) or with other inputs (c) are never offered.
    await outputs.saveArtifactInputs(b.id, 'graph', 'digest-1');
    await outputs.saveArtifact(c.id, 'graph', new Uint8Array([9]));
    await outputs.saveArtifactInputs(c.id, 'graph', 'digest-2');
    expect(await outputs.artifactMadeFrom('graph', 'digest-1', c.id)).toBe(a.id);
    expect(await outputs.artifactMadeFrom('graph', 'digest-1', a.id)).toBeNull();
    expect(await outputs.artifactMadeFrom('graph', 'digest-3', c.id)).toBeNull();
    // Copied chunk by chunk over what the build had; nothing to copy is `false`, and changes nothing.
    expect(await outputs.copyArtifact(a.id, c.id, 'graph')).toBe(true);
    expect(Buffer.from(await outputs.loadArtifact(c.id, 'graph')).equals(graph)).toBe(true);
    expect(await outputs.copyArtifact(b.id, c.id, 'graph')).toBe(false);
    expect(Buffer.from(await outputs.loadArtifact(c.id, 'graph')).equals(graph)).toBe(true);
    expect(Buffer.from(await outputs.loadArtifact(a.id, 'graph')).equals(graph)).toBe(true);
  });
});

describe('BuildRepository: abandoned builds (real Postgres)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let builds: BuildRepository;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await createDataSource({ url: testDb.url, poolSize: 2 }).initialize();
    builds = new BuildRepository(db);
  });

  afterAll(async () => {
    await db.destroy();
    await testDb.drop();
  });

  it('fails a build in flight without progress for too long, so the next trigger goes through', async () => {
    const lost = await builds.create({ asOf: null, trigger: 'test', config: {} });
    await builds.updateStage(lost.id, 'snapshot', {
      status: 'running',
      progress: 0,
      started_at: new Date().toISOString(),
    });
    // Recent progress: not stale, the second trigger is still refused.
    await expect(builds.create({ asOf: null, trigger: 'test', config: {} }, 60)).rejects.toThrow(
      BuildInFlightError,
    );
    await db.query(
      `UPDATE builds SET created_at = now() - interval '2 hours',
         stages = jsonb_set(stages, '{snapshot,started_at}', to_jsonb((now() - interval '2 hours')::text)) WHERE id = $1`,
      [lost.id],
    );
    const next = await builds.create({ asOf: null, trigger: 'test', config: {} }, 60);
    expect(next.id).not.toBe(lost.id);
    expect(await builds.get(lost.id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^abandoned: no progress for 60 minutes/),
    });
  });
});
