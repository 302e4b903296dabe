/**
 * Every answer a build gives, byte for byte, against a file captured before lists were stored
 * compact (issue #13): customer recommendations with and without filters, similar and
 * bought-together lists, and `nextbuy export`. The synthetic shop is rebuilt through the queues
 * (deterministic), answers are read twice (filled from Postgres, then from Redis), and the only
 * bytes that differ between runs, build and recommendation ids, are replaced by placeholders.
 * `GOLDEN_UPDATE=1` writes the file instead of comparing (only for a change meant to alter answers).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { runExport } from '../../packages/cli/src/commands/export.command';
import { bufferOutput } from '../../packages/cli/src/output';
import { AppModule as CandidatesApp } from '../../apps/candidates/src/app.module';
import { AppModule as FeaturesApp } from '../../apps/features/src/app.module';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';
import { AppModule as ServingApp } from '../../apps/serving/src/app.module';
import { startStack, waitForBuild, type E2eStack } from './stack';

jest.setTimeout(300_000);

const ADMIN = { 'x-api-key': 'gold-admin' };
const READ = { 'x-api-key': 'gold-read' };
const GOLDEN = join(__dirname, '__golden__', 'answers.json.gz');

describe('answers byte for byte (real Postgres, Redis and queues)', () => {
  let stack: E2eStack;
  let serving: NestFastifyApplication;
  let buildId: string;
  const dir = mkdtempSync(join(tmpdir(), 'nextbuy-golden-'));

  beforeAll(async () => {
    stack = await startStack('gold-admin:admin,gold-read:read', { REBUILD_SHARDS: '2' });
    let ingestion: NestFastifyApplication;
    [ingestion, , , serving] = await Promise.all([
      stack.bootApp(IngestionApp),
      stack.bootApp(FeaturesApp),
      stack.bootApp(CandidatesApp),
      stack.bootApp(ServingApp),
    ]);
    const res = await ingestion.inject({ method: 'POST', url: '/v1/rebuilds', headers: ADMIN, payload: {} });
    buildId = (res.json() as { build_id: string }).build_id;
    const done = await waitForBuild(ingestion, ADMIN, buildId, ['published', 'failed'], 240_000);
    expect(done.status).toBe('published');
  });

  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The body with the run's ids replaced (as fields only: a build id "1" is also inside numbers). */
  const normalise = (body: string) =>
    body
      .replaceAll(`"build_id":"${buildId}"`, '"build_id":"<build>"')
      .replace(/"recommendation_id":"[^"]*"/g, '"recommendation_id":"<id>"');

  const answer = async (url: string): Promise<string> => {
    const res = await serving.inject({ method: 'GET', url, headers: READ });
    return `${res.statusCode} ${normalise(res.body)}`;
  };

  it('stores every customer list packed, ~1.7 KB or less', async () => {
    const [row] = (await stack.db.query(
      `SELECT count(*)::int AS n, count(packed)::int AS packed, max(octet_length(packed))::int AS largest
       FROM recommendations WHERE build_id = $1`,
      [buildId],
    )) as { n: number; packed: number; largest: number }[];
    expect(row!.n).toBe(stack.fixture.customerIds.length);
    expect(row!.packed).toBe(row!.n);
    expect(row!.largest).toBeLessThan(2048);
  });

  it('stores the similar and bought-together lists packed, the popular ones as JSON', async () => {
    const rows = (await stack.db.query(
      `SELECT kind, count(*)::int AS n, count(packed)::int AS packed FROM item_lists
       WHERE build_id = $1 GROUP BY kind ORDER BY kind`,
      [buildId],
    )) as { kind: string; n: number; packed: number }[];
    expect(rows.map((r) => r.kind)).toEqual(['bought_together', 'popular', 'similar']);
    for (const r of rows) expect(r.packed).toBe(r.kind === 'popular' ? 0 : r.n);
  });

  it('answers exactly as before', async () => {
    const customers = [...stack.fixture.customerIds, 'nobody-knows-me'];
    const products = Array.from({ length: 48 }, (_, p) => `P${String(p).padStart(3, '0')}`);
    const queries = [
      '',
      '?limit=50',
      '?limit=12',
      '?limit=5&type=repurchase',
      '?limit=20&type=collaborative',
      '?category=mugs&limit=20',
      '?exclude=P000,P001,P002&limit=15',
      '?product_id=P003&limit=10',
    ];
    const answers: Record<string, string> = {};
    // Twice: the first read fills the cache from Postgres, the second is answered from Redis.
    for (const round of [0, 1]) {
      for (const c of customers)
        for (const q of queries) {
          const url = `/v1/customers/${c}/recommendations${q}`;
          const body = await answer(url);
          if (round === 0) answers[url] = body;
          else expect(body).toBe(answers[url]);
        }
      for (const p of products)
        for (const kind of ['similar', 'bought-together']) {
          const url = `/v1/products/${p}/${kind}?limit=50`;
          const body = await answer(url);
          if (round === 0) answers[url] = body;
          else expect(body).toBe(answers[url]);
        }
    }
    const out = join(dir, 'export.csv.gz');
    await runExport(stack.env.DATABASE_URL, { out }, bufferOutput());
    answers['nextbuy export'] = gunzipSync(readFileSync(out)).toString('utf8');

    if (process.env.GOLDEN_UPDATE === '1') {
      writeFileSync(GOLDEN, gzipSync(`${JSON.stringify(answers, null, 1)}\n`, { level: 9 }));
      return;
    }
    const golden = JSON.parse(gunzipSync(readFileSync(GOLDEN)).toString('utf8')) as Record<string, string>;
    expect(Object.keys(answers)).toEqual(Object.keys(golden));
    for (const [url, body] of Object.entries(golden)) expect(`${url} ${answers[url]}`).toBe(`${url} ${body}`);
  });
});
