/**
 * Prediction tasks end to end (issue #17 item 3): tasks stored through the API and the CLI with
 * precise errors; a "next 7 days of cart adds, top 20" task on a small synthetic store trains its
 * own model, evaluates against its own target, publishes beside the default task's build and serves
 * its own lists through `?task=`; an entity filter decides who gets a list.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  DEFAULT_TASK_DEFINITION,
  DEFAULT_TASK_NAME,
  type BuildView,
  type ModelView,
  type RecommendationsResponse,
  type TaskView,
  type TrainAccepted,
} from '@nextbuy/contracts';
import {
  bufferOutput,
  FatalError,
  generateSynthetic,
  runEvaluate,
  runRebuild,
  runTrain,
  runTasksCreate,
  runTasksList,
  runTasksShow,
} from '@nextbuy/cli';
import { BuildOutputRepository, BuildRepository, ModelRepository } from '@nextbuy/db';
import { TARGET_POPULAR } from '@nextbuy/engine';
import { importFile } from '@nextbuy/importer';
import { createTestContext, type TestContext } from '@nextbuy/testing';
import { AppModule as CandidatesApp } from '../../apps/candidates/src/app.module';
import { AppModule as FeaturesApp } from '../../apps/features/src/app.module';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';
import { AppModule as ServingApp } from '../../apps/serving/src/app.module';
import { waitForBuild } from './stack';

jest.setTimeout(240_000);

const ADMIN = { 'x-api-key': 'e2e-admin' };
const WRITE = { 'x-api-key': 'e2e-write' };
const CARTS = 'carts-7d';
const CARTS_QUERY =
  "PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('cart_add'), 0, 7, days) RANK TOP 20 FOR EACH customers.customer_id";
const VIEWERS = 'recent-viewers';
const VIEWERS_QUERY =
  "PREDICT LIST_DISTINCT(events.product_id WHERE type = 'purchase', 0, 30, days) RANK TOP 10 " +
  "FOR EACH customers.customer_id WHERE COUNT(events WHERE type = 'view', -14, 0, days) >= 3";

describe('prediction tasks end to end (real Postgres, Redis and queues)', () => {
  let context: TestContext;
  let dir: string;
  let ingestion: NestFastifyApplication;
  let serving: NestFastifyApplication;

  const post = (url: string, payload: object, headers = ADMIN) =>
    ingestion.inject({ method: 'POST', url, headers, payload });
  const accepted = async <T>(url: string, payload: object): Promise<T> => {
    const res = await post(url, payload);
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status: 202 });
    return res.json();
  };
  const waitFor = (id: string, statuses: string[]): Promise<BuildView> =>
    waitForBuild(ingestion, ADMIN, id, statuses, 180_000);
  const recommend = (customer: string, query: string) =>
    serving.inject({
      method: 'GET',
      url: `/v1/customers/${customer}/recommendations?${query}`,
      headers: ADMIN,
    });

  beforeAll(async () => {
    context = await createTestContext({
      NEXTBUY_API_KEYS: 'e2e-admin:admin,e2e-write:write',
      REBUILD_SHARDS: '2',
    });
    dir = mkdtempSync(join(tmpdir(), 'nextbuy-tasks-'));
    // A small store of the synthetic generator (`nextbuy dataset synthetic`): funnels of views, cart
    // adds and purchases, sized so a build takes seconds on two cores.
    const { files } = await generateSynthetic({
      customers: '300',
      products: '120',
      events: '12000',
      out: dir,
    });
    for (const kind of ['products', 'customers', 'events'] as const) {
      const summary = await importFile(context.db, { kind, file: files[kind] });
      expect(summary.rejected).toBe(0);
    }
    [ingestion, , , serving] = await Promise.all([
      context.boot({ module: (e) => IngestionApp.forRoot(e) }),
      context.boot({ module: (e) => FeaturesApp.forRoot(e) }),
      context.boot({ module: (e) => CandidatesApp.forRoot(e) }),
      context.boot({ module: (e) => ServingApp.forRoot(e) }),
    ]);
  });

  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores tasks through the API; a query it cannot answer is a 400 naming the position and why', async () => {
    const list = await ingestion.inject({ method: 'GET', url: '/v1/tasks', headers: ADMIN });
    expect(list.statusCode).toBe(200);
    expect(list.json<TaskView[]>()[0]).toMatchObject({
      name: DEFAULT_TASK_NAME,
      definition: DEFAULT_TASK_DEFINITION,
    });

    const hours = await post('/v1/tasks', {
      name: 'hourly',
      query: CARTS_QUERY.replace('0, 7, days', '0, 48, hours'),
    });
    expect(hours.statusCode).toBe(400);
    expect(hours.json()).toMatchObject({
      message: expect.stringMatching(/^query: position 76: unit 'hours' is not supported/),
      details: { field: 'query', position: 76 },
    });
    const syntax = await post('/v1/tasks', { name: 'broken', query: 'PREDICT LIST_DISTINCT(' });
    expect(syntax.json().message).toBe(
      'query: position 23: expected a field name, found the end of the query',
    );
    const badName = await post('/v1/tasks', { name: 'Weekly Carts', query: CARTS_QUERY });
    expect(badName.statusCode).toBe(400);

    const created = await post('/v1/tasks', { name: CARTS, query: CARTS_QUERY });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: CARTS,
      query: CARTS_QUERY,
      definition: { target: { event_types: ['cart_add'], horizon_days: 7 }, k: 20, filter: null },
    });
    expect((await post('/v1/tasks', { name: CARTS, query: CARTS_QUERY })).statusCode).toBe(409);
    const one = await ingestion.inject({ method: 'GET', url: `/v1/tasks/${CARTS}`, headers: ADMIN });
    expect(one.json()).toEqual(created.json());
    expect(
      (await ingestion.inject({ method: 'GET', url: '/v1/tasks/nope', headers: ADMIN })).statusCode,
    ).toBe(404);
    expect((await post('/v1/tasks', { name: 'w', query: CARTS_QUERY }, WRITE)).statusCode).toBe(403);
    expect((await post('/v1/rebuilds', { task: 'nope' })).json().message).toMatch(
      /task "nope" does not exist/,
    );
  });

  it('stores, lists and shows tasks from the CLI', async () => {
    const env = { DATABASE_URL: context.env.DATABASE_URL };
    const bad = bufferOutput();
    const refused = await runTasksCreate(env, 'late', CARTS_QUERY.replace('TOP 20', 'TOP 500'), {}, bad);
    expect(refused.exitCode).toBe(1);
    expect(bad.stderr[0]).toBe(
      'query: position 90: K (RANK TOP 500) is above the stored list length: at most 50',
    );
    expect(bad.stderr[2]).toBe(`  ${' '.repeat(89)}^`);

    const out = bufferOutput();
    expect((await runTasksCreate(env, VIEWERS, VIEWERS_QUERY, {}, out)).exitCode).toBe(0);
    expect(out.stdout[0]).toMatch(
      /^recent-viewers +purchase in the next 30 days, top 10, filtered customers$/,
    );
    const listed = await runTasksList(env, {}, bufferOutput());
    expect(listed.tasks!.map((t) => t.name)).toEqual([DEFAULT_TASK_NAME, CARTS, VIEWERS]);
    const shown = await runTasksShow(env, VIEWERS, { json: true }, bufferOutput());
    expect(shown.task!.definition.filter).toEqual({
      type: 'count',
      event_types: ['view'],
      from_days: -14,
      to_days: 0,
      op: '>=',
      value: 3,
    });
    expect((await runTasksShow(env, 'nope', {}, bufferOutput())).exitCode).toBe(1);
    // --task names a stored task, else the command stops before starting anything (exit 2).
    await expect(runRebuild(context.env, { task: 'nope' }, bufferOutput())).rejects.toThrow(
      '--task: task "nope" does not exist; nextbuy tasks list (GET /v1/tasks) shows the tasks',
    );
    await expect(runTrain(context.env, { task: 'nope' }, bufferOutput())).rejects.toThrow(FatalError);
    expect(await new BuildRepository(context.db).inFlight()).toEqual([]);
  });

  let defaultBuild: BuildView;
  let cartsBuild: BuildView;

  it('trains the cart-add task, rebuilds it beside the default task, and serves its own lists', async () => {
    const first = await accepted<{ build_id: string }>('/v1/rebuilds', {});
    defaultBuild = await waitFor(first.build_id, ['published', 'failed']);
    expect(defaultBuild).toMatchObject({ status: 'published', task: DEFAULT_TASK_NAME, error: null });
    const models = new ModelRepository(context.db);
    const defaultModel = (await models.active())!;
    expect(defaultModel.task).toBe(DEFAULT_TASK_NAME);

    const trained = await accepted<TrainAccepted>('/v1/models/train', { task: CARTS });
    const training = await waitFor(trained.build_id, ['trained', 'failed']);
    expect(training).toMatchObject({ status: 'trained', task: CARTS, error: null });
    const model = (
      await ingestion.inject({ method: 'GET', url: `/v1/models/${trained.model_id}`, headers: ADMIN })
    ).json<ModelView>();
    // The task's first model: active for its task, the default task's model untouched.
    expect(model).toMatchObject({ task: CARTS, status: 'active', report: { decision: 'activated' } });
    expect(Date.parse(model.report!.horizon.to) - Date.parse(model.report!.horizon.from)).toBe(
      7 * 86_400_000,
    );
    expect((await models.active())!.id).toBe(defaultModel.id);
    expect((await models.active(CARTS))!.id).toBe(trained.model_id);

    const rebuild = await accepted<{ build_id: string }>('/v1/rebuilds', { task: CARTS });
    cartsBuild = await waitFor(rebuild.build_id, ['published', 'failed']);
    expect(cartsBuild).toMatchObject({ status: 'published', task: CARTS, model_id: trained.model_id });
    expect(cartsBuild.config.engine).toMatchObject({
      horizonDays: 7,
      listLength: 20,
      task: { targetEventTypes: ['cart_add'], audience: null },
    });
    // Publishing the task's build left the default task's build published.
    const builds = new BuildRepository(context.db);
    expect((await builds.active())!.id).toBe(defaultBuild.build_id);
    expect((await builds.active(CARTS))!.id).toBe(cartsBuild.build_id);

    const [{ customer_id: customer }] = await context.db.query<[{ customer_id: string }]>(
      `SELECT customer_id FROM recommendations WHERE build_id = $1 ORDER BY customer_id LIMIT 1`,
      [cartsBuild.build_id],
    );
    const own = await recommend(customer, `task=${CARTS}&limit=50`);
    expect(own.statusCode).toBe(200);
    const answer = own.json<RecommendationsResponse>();
    expect(answer.build_id).toBe(cartsBuild.build_id);
    expect(answer.items.length).toBeGreaterThan(0);
    expect(answer.items.length).toBeLessThanOrEqual(20);
    const plain = (await recommend(customer, 'limit=50')).json<RecommendationsResponse>();
    expect(plain.build_id).toBe(defaultBuild.build_id);
    expect((await recommend(customer, `task=${DEFAULT_TASK_NAME}&limit=50`)).json().build_id).toBe(
      defaultBuild.build_id,
    );
    const unknown = await recommend(customer, 'task=nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/task "nope" does not exist/);
    const unbuilt = await recommend(customer, `task=${VIEWERS}`);
    expect(unbuilt.statusCode).toBe(503);
    expect(unbuilt.json().message).toMatch(
      /no published build yet; run nextbuy rebuild --task recent-viewers/,
    );
  });

  it('evaluates the task against its own target: MAP@20 of the engine and of popularity', async () => {
    const [{ max }] = await context.db.query<[{ max: Date }]>(`SELECT max(ts) AS max FROM events`);
    // The last complete 7-day horizon of the store.
    const asOf = new Date(new Date(max).getTime() - 7 * 86_400_000).toISOString();
    const out = bufferOutput();
    const { exitCode, report } = await runEvaluate(
      { DATABASE_URL: context.env.DATABASE_URL },
      { asOf, task: CARTS },
      out,
    );
    expect(out.stderr).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report).toMatchObject({ task: CARTS, horizon_days: 7, k: 20 });
    expect(report!.customers).toBeGreaterThan(0);
    const map = (method: string) => report!.rows.find((r) => r.method.startsWith(method))!.metrics.map;
    expect(map('engine')).toBeGreaterThan(0);
    expect(map(TARGET_POPULAR)).toBeGreaterThanOrEqual(0);
    // The figures, for the record (BENCHMARKS.md quotes a larger store's).
    process.stdout.write(`${out.stdout.join('\n')}\n`);
    const mixed = bufferOutput();
    await expect(
      runEvaluate(
        { DATABASE_URL: context.env.DATABASE_URL },
        { asOf, task: CARTS, horizonDays: '30' },
        mixed,
      ),
    ).rejects.toThrow(/--horizon-days does not go with --task/);
  });

  it("an entity filter decides who gets a list: the others get the task's popular answer", async () => {
    const { build_id } = await accepted<{ build_id: string }>('/v1/rebuilds', { task: VIEWERS });
    const build = await waitFor(build_id, ['published', 'failed']);
    expect(build).toMatchObject({ status: 'published', task: VIEWERS, error: null });
    const [{ audience }] = await context.db.query<[{ audience: number }]>(
      `SELECT count(*)::int AS audience FROM (
         SELECT customer_id FROM events
         WHERE type = 'view' AND ts >= $1::timestamptz - interval '14 days' AND ts < $1::timestamptz
         GROUP BY customer_id HAVING count(*) >= 3) x`,
      [build.as_of],
    );
    const lists = await new BuildOutputRepository(context.db).countRecommendations(build_id);
    expect(audience).toBeGreaterThan(0);
    expect(lists).toBe(audience);
    expect(lists).toBeLessThan(300);
    // Someone outside the audience: the build has no list for them, so serving answers its popular list.
    const [{ customer_id: outsider }] = await context.db.query<[{ customer_id: string }]>(
      `SELECT customer_id FROM customers WHERE customer_id NOT IN (
         SELECT customer_id FROM events WHERE type = 'view' AND ts >= $1::timestamptz - interval '14 days' AND ts < $1::timestamptz
         GROUP BY customer_id HAVING count(*) >= 3) ORDER BY customer_id LIMIT 1`,
      [build.as_of],
    );
    const answer = (await recommend(outsider, `task=${VIEWERS}`)).json<RecommendationsResponse>();
    expect(answer.build_id).toBe(build_id);
    expect(new Set(answer.items.map((i) => i.strategy))).toEqual(new Set(['popular']));
    // Both other tasks still answer from their own builds.
    expect((await new BuildRepository(context.db).active(CARTS))!.id).toBe(cartsBuild.build_id);
    expect((await new BuildRepository(context.db).active())!.id).toBe(defaultBuild.build_id);
  });
});
