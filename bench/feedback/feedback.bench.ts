/**
 * Feedback write-path benchmark: starts the built serving app on a fresh database, posts feedback
 * over HTTP (autocannon, unique events so every one is a real insert), and reports events/s
 * accepted over HTTP and events/s stored in Postgres (until the last row is written).
 *
 *   npx turbo run build --filter=@nextbuy/serving...   # the bench runs the built app
 *   npx tsx bench/feedback/feedback.bench.ts [--events 200000] [--batch 100] [--connections 10]
 *
 * `--batch 1` posts one event per request (a tracker that does not batch).
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate, quoteIdent } from '@nextbuy/db';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const KEY = 'bench-read';
const TYPES = ['impression', 'click', 'add_to_cart', 'purchase'] as const;
/** Rows are written within a flush interval or so; this long without progress means they never will be. */
const STORE_TIMEOUT_MS = 30_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`--${name} must be a whole number (got ${process.argv[i + 1]})`);
  return v;
}

async function admin<T>(work: (c: Client) => Promise<T>, url = SERVER_URL): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** One request's body: `batch` events of one answer, each unique (so none is an idempotent repeat). */
function body(batch: number): string {
  const recommendation_id = randomUUID();
  const events = Array.from({ length: batch }, (_, i) => ({
    recommendation_id,
    customer_id: 'c-bench',
    product_id: `p${Math.floor(i / TYPES.length)}`,
    type: TYPES[i % TYPES.length],
  }));
  return JSON.stringify(batch === 1 ? events[0] : events);
}

async function main(): Promise<void> {
  const events = arg('events', 200_000);
  const batch = arg('batch', 100);
  const connections = arg('connections', 10);
  const port = arg('port', 3900);
  const requests = Math.ceil(events / batch);

  const name = `nextbuy_bench_feedback_${process.pid}`;
  const dbUrl = new URL(SERVER_URL);
  dbUrl.pathname = `/${name}`;
  await migrate(dbUrl.toString());

  const serving = spawn(process.execPath, [join(__dirname, '../../apps/serving/dist/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl.toString(),
      SERVING_PORT: String(port),
      NEXTBUY_API_KEYS: `${KEY}:read`,
      QUEUE_PREFIX: `bench-feedback-${process.pid}`,
      LOG_LEVEL: 'warn',
      NO_PRETTY_LOGS: '1',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let ready = false; !ready;) {
      if (serving.exitCode !== null) throw new Error(`serving exited with ${serving.exitCode}`);
      ready = await fetch(`${base}/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    const started = Date.now();
    const result = await autocannon({
      url: `${base}/v1/feedback`,
      method: 'POST',
      connections,
      amount: requests,
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      requests: [{ setupRequest: (req) => ({ ...req, body: body(batch) }) }],
    });
    const httpSeconds = (Date.now() - started) / 1000;
    const accepted = result['2xx'] * batch;

    const count = () =>
      admin(
        async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM feedback`)).rows[0]!.n),
        dbUrl.toString(),
      );
    let stored = await count();
    let lastProgress = Date.now();
    while (stored < accepted && Date.now() - lastProgress < STORE_TIMEOUT_MS) {
      await new Promise((r) => setTimeout(r, 50));
      const now = await count();
      if (now > stored) lastProgress = Date.now();
      stored = now;
    }
    const storedSeconds = (Date.now() - started) / 1000;

    console.log(
      `feedback bench: ${events.toLocaleString('en')} events, ${batch} per request, ${connections} connections`,
    );
    console.log(
      `  HTTP      ${result['2xx']} × 202, ${result.non2xx} other, ${result.errors} errors; ` +
        `${Math.round(accepted / httpSeconds).toLocaleString('en')} events/s accepted ` +
        `(${Math.round(result['2xx'] / httpSeconds).toLocaleString('en')} req/s), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
    );
    console.log(
      `  Postgres  ${stored.toLocaleString('en')} rows stored in ${storedSeconds.toFixed(2)} s: ` +
        `${Math.round(stored / storedSeconds).toLocaleString('en')} events/s end to end`,
    );
    if (stored !== accepted) {
      process.exitCode = 1;
      console.error(`  ${accepted - stored} accepted events were not stored`);
    }
  } finally {
    serving.kill('SIGTERM');
    await once(serving, 'exit');
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
