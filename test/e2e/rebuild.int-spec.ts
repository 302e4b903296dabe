/**
 * The rebuild spine end to end: the four apps against the machine's Postgres and Redis, a fixture
 * imported through the importer, rebuilds through the real queues, lists read from serving.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Worker } from 'bullmq';
import type { Env } from '@nextbuy/config';
import { JobName, QueueName, type BuildView, type RecommendationsResponse } from '@nextbuy/contracts';
import {
  BuildOutputRepository,
  BuildRepository,
  CatalogRepository,
  EventRepository,
  ModelRepository,
} from '@nextbuy/db';
import { BuildArtifactCache, stageOfJob, StageRunner } from '@nextbuy/rebuild';
import { createProducerConnection, JobProducer } from '@nextbuy/queue';
import { JobDispatcher, redisOptionsFromUrl } from '@nextbuy/server';
import { AppProcess, TEST_REDIS_URL, type SyntheticFiles } from '@nextbuy/testing';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { AppModule as CandidatesApp } from '../../apps/candidates/src/app.module';
import { AppModule as FeaturesApp } from '../../apps/features/src/app.module';
import { FeatureStagesService } from '../../apps/features/src/rebuild/feature-stages.service';
import { SnapshotService } from '../../apps/features/src/rebuild/snapshot.service';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';
import { AppModule as ServingApp } from '../../apps/serving/src/app.module';
import { startStack, waitForBuild, type E2eStack } from './stack';

jest.setTimeout(120_000);

const ADMIN = { 'x-api-key': 'e2e-admin' };
const READ = { 'x-api-key': 'e2e-read' };

describe('rebuild end to end (real Postgres, Redis and queues)', () => {
  let stack: E2eStack;
  let db: DataSource;
  let env: Env;
  let prefix: string;
  let fixture: SyntheticFiles;
  let ingestion: NestFastifyApplication;
  let features: NestFastifyApplication;
  let candidates: NestFastifyApplication;
  let serving: NestFastifyApplication;
  const children: AppProcess[] = [];

  const trigger = async (asOf?: string): Promise<string> => {
    const res = await ingestion.inject({
      method: 'POST',
      url: '/v1/rebuilds',
      headers: ADMIN,
      payload: asOf ? { as_of: asOf } : {},
    });
    expect(res.statusCode).toBe(202);
    return (res.json() as { build_id: string }).build_id;
  };

  const build = async (id: string): Promise<BuildView> =>
    (await ingestion.inject({ method: 'GET', url: `/v1/rebuilds/${id}`, headers: ADMIN })).json();

  const waitFor = (id: string, statuses: string[], timeoutMs?: number): Promise<BuildView> =>
    waitForBuild(ingestion, ADMIN, id, statuses, timeoutMs);

  const recommend = async (customer: string, query = ''): Promise<RecommendationsResponse> => {
    const res = await serving.inject({
      method: 'GET',
      url: `/v1/customers/${customer}/recommendations${query}`,
      headers: READ,
    });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    stack = await startStack('e2e-admin:admin,e2e-read:read', { REBUILD_SHARDS: '2', BUILDS_KEEP: '5' });
    ({ db, env, prefix, fixture } = stack);
    [ingestion, features, candidates, serving] = await Promise.all([
      stack.bootApp(IngestionApp),
      stack.bootApp(FeaturesApp),
      stack.bootApp(CandidatesApp),
      stack.bootApp(ServingApp),
    ]);
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop('SIGKILL')));
    await stack?.close();
  });

  let firstBuild: string;

  it('rebuilds through the queues, publishes, and serves every customer a list', async () => {
    firstBuild = await trigger();
    const done = await waitFor(firstBuild, ['published', 'failed']);
    expect(done.error).toBeNull();
    expect(done.status).toBe('published');
    for (const stage of [
      'snapshot',
      'item-stats',
      'item-graphs',
      'ranker',
      'rank-0',
      'rank-1',
      'item-lists',
    ]) {
      expect(done.stages[stage]).toMatchObject({ status: 'done', progress: 1 });
    }
    expect(done.counts).toMatchObject({
      customers: fixture.customerIds.length,
      recommendations: fixture.customerIds.length,
    });
    // No model existed: the build fitted its own ranker and stored it as the active model.
    expect(done.model_id).toBeNull();
    expect(await new ModelRepository(db).active()).toMatchObject({ buildId: firstBuild, status: 'active' });

    const answer = await recommend(fixture.customerIds[0]!, '?limit=12');
    expect(answer.build_id).toBe(firstBuild);
    expect(answer.items.length).toBeGreaterThan(0);
    expect(new Set(answer.items.map((i) => i.product_id)).size).toBe(answer.items.length);
    for (const item of answer.items) {
      expect(item.reasons.length).toBeGreaterThan(0);
      expect(item.reasons.reduce((s, r) => s + r.attribution, 0)).toBeCloseTo(1, 3);
    }
    // A customer the build has never seen still gets an answer.
    const stranger = await recommend('nobody-knows-me');
    expect(stranger.items.length).toBeGreaterThan(0);
    expect(stranger.items.every((i) => i.strategy === 'popular')).toBe(true);
  });

  it('refuses a second rebuild while one is in flight', async () => {
    const id = await trigger();
    const model = (await new ModelRepository(db).active())!;
    const again = await ingestion.inject({
      method: 'POST',
      url: '/v1/rebuilds',
      headers: ADMIN,
      payload: {},
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({
      statusCode: 409,
      message: expect.stringMatching(/already in flight/),
    });
    // The next rebuild ranked with the active model: no training stages at all.
    const done = await waitFor(id, ['published']);
    expect(done.model_id).toBe(model.id);
    expect(Object.keys(done.stages).filter((s) => s.startsWith('ranker'))).toEqual([]);
    // The catalogue did not change: the first build computed the attribute graph, this one copied it.
    expect((await build(firstBuild)).stages['attribute-graph']?.detail).toBeUndefined();
    expect(done.stages['attribute-graph']).toMatchObject({
      status: 'done',
      detail: expect.stringContaining(`build ${firstBuild}`),
    });
    const outputs = new BuildOutputRepository(db);
    const [copied, original] = await Promise.all([
      outputs.loadArtifact(id, 'attribute-graph'),
      outputs.loadArtifact(firstBuild, 'attribute-graph'),
    ]);
    expect(copied.length).toBeGreaterThan(0);
    expect(Buffer.from(copied).equals(Buffer.from(original))).toBe(true);
  });

  it('keeps the previous build serving when a stage fails', async () => {
    // Serving follows a publish asynchronously (pub/sub): read once it serves the newest build.
    const newest = (await new BuildRepository(db).active())!.id;
    let before = await recommend(fixture.customerIds[1]!);
    for (const until = Date.now() + 10_000; before.build_id !== newest && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 100));
      before = await recommend(fixture.customerIds[1]!);
    }
    expect(before.build_id).toBe(newest);
    // Replace the features app with a worker whose customer-affinities stage always throws (a stage
    // every rebuild has, whether it trains its ranker or ranks with the active model).
    await stack.closeApp(features);
    const producerRedis = createProducerConnection(TEST_REDIS_URL);
    const producer = new JobProducer(producerRedis, prefix);
    const builds = new BuildRepository(db);
    const outputs = new BuildOutputRepository(db);
    const stages = new StageRunner(builds);
    const cache = new BuildArtifactCache(outputs);
    const snapshot = new SnapshotService(
      stages,
      cache,
      builds,
      outputs,
      new EventRepository(db),
      new CatalogRepository(db),
      new ModelRepository(db),
      producer,
    );
    const featureStages = new FeatureStagesService(stages, cache, outputs, builds, new ModelRepository(db));
    const dispatcher = new JobDispatcher(
      QueueName.Features,
      {
        [JobName.Snapshot]: ({ buildId }) => snapshot.snapshot(buildId),
        [JobName.Feature]: ({ buildId, stage }) =>
          stage === 'customer-affinities'
            ? Promise.reject(new Error('simulated crash'))
            : featureStages.feature(buildId, stage),
        [JobName.EvaluationRun]: () => Promise.resolve(),
      },
      (job, error) => stages.fail((job.data as { buildId: string }).buildId, stageOfJob(job), error),
    );
    const broken = new Worker(QueueName.Features, (job) => dispatcher.dispatch(job), {
      connection: redisOptionsFromUrl(TEST_REDIS_URL),
      prefix,
    });
    try {
      const id = await trigger();
      const failed = await waitFor(id, ['failed', 'published']);
      expect(failed.status).toBe('failed');
      expect(failed.error).toBe('customer-affinities: simulated crash');
      expect(failed.stages['customer-affinities']).toMatchObject({ status: 'failed' });
      const after = await recommend(fixture.customerIds[1]!);
      expect(after.build_id).toBe(before.build_id);
      expect(after.items).toEqual(before.items);
    } finally {
      await broken.close();
      await producer.close();
      producerRedis.disconnect();
    }
    features = await stack.bootApp(FeaturesApp);
  });

  it('completes a build whose worker was killed mid-stage, once a worker is back', async () => {
    // Rank shards run in separate candidates processes from here on.
    await stack.closeApp(candidates);
    const startCandidates = async () => {
      const child = new AppProcess('candidates', () => ({
        DATABASE_URL: env.DATABASE_URL,
        REDIS_URL: env.REDIS_URL,
        QUEUE_PREFIX: prefix,
        WORKER_LOCK_MS: '2000',
        WORKER_STALLED_CHECK_MS: '1000',
      }));
      children.push(child);
      await child.start();
      return child;
    };
    // Hold the table the rank shards write to: the first shard blocks mid-stage, job active.
    const blocker = new Client({ connectionString: env.DATABASE_URL });
    // Dropping the test database ends this connection if the test fails with it open.
    blocker.on('error', () => undefined);
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE recommendations IN ACCESS EXCLUSIVE MODE');
      const first = await startCandidates();
      const id = await trigger();
      const blockedUntil = Date.now() + 60_000;
      for (;;) {
        // Polled from another connection: pg_stat_activity is frozen within one transaction.
        const [waiting] = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'nextbuy-candidates' AND wait_event_type = 'Lock'`,
        );
        if (waiting.n > 0) break;
        if (first.exited) throw new Error(`the rank shard's process ended: ${first.describeExit()}`);
        if (Date.now() > blockedUntil)
          throw new Error(`the rank shard never reached its write (${first.describeExit()})`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await first.stop('SIGKILL');
      await blocker.query('ROLLBACK');
      expect((await build(id)).status).toBe('running');

      await startCandidates();
      const done = await waitFor(id, ['published', 'failed'], 90_000);
      expect(done.error).toBeNull();
      expect(done.status).toBe('published');
      // Serving follows a publish through pub/sub (and its poll): it may answer from the build before
      // for a moment after the status says published.
      const deadline = Date.now() + 10_000;
      let served = (await recommend(fixture.customerIds[2]!)).build_id;
      while (served !== id && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        served = (await recommend(fixture.customerIds[2]!)).build_id;
      }
      expect(served).toBe(id);
    } finally {
      await blocker.end().catch(() => undefined);
    }
  });
});
