/**
 * The apps as separate processes against one database and a Redis of the suite's own, with what
 * every fault case checks: events acknowledged with a 202 (all must be stored in the end), answers
 * of the previous build while a fault goes on, builds and their stages.
 */
import { randomUUID } from 'node:crypto';
import type { BuildView, RecommendationsResponse } from '@nextbuy/contracts';
import { AppProcess, RedisServer, sleep, until, type AppName } from './processes';

export const ADMIN_KEY = 'faults-admin';
export const READ_KEY = 'faults-read';

export interface FaultStackOptions {
  databaseUrl: string;
  redis: RedisServer;
  /** Environment of every app beyond the database, Redis and keys (timings of the test processes). */
  env?: Record<string, string>;
  features?: number;
  candidates?: number;
  /** Node flags of the worker processes (the bench's event-loop monitor). */
  workerNodeArgs?: string[];
}

export class FaultStack {
  readonly ingestion: AppProcess;
  readonly serving: AppProcess;
  readonly features: AppProcess[];
  readonly candidates: AppProcess[];
  /** `event_id`s of every event answered with a 202. */
  readonly acknowledged: string[] = [];

  constructor(private readonly options: FaultStackOptions) {
    const env = () => ({
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redis.url,
      QUEUE_PREFIX: 'faults',
      NEXTBUY_API_KEYS: `${ADMIN_KEY}:admin,${READ_KEY}:read`,
      ...options.env,
    });
    const worker = (app: AppName, extra: Record<string, string> = {}) =>
      new AppProcess(app, () => ({ ...env(), ...extra }), options.workerNodeArgs);
    this.ingestion = new AppProcess('ingestion', env);
    this.serving = new AppProcess('serving', env);
    this.features = Array.from({ length: options.features ?? 1 }, () => worker('features'));
    this.candidates = Array.from({ length: options.candidates ?? 1 }, () =>
      worker('candidates', { CANDIDATES_ROLE: 'all' }),
    );
  }

  get all(): AppProcess[] {
    return [this.ingestion, this.serving, ...this.features, ...this.candidates];
  }

  async start(): Promise<void> {
    for (const app of this.all) await app.start();
  }

  /** Stops every process still running (cases SIGKILL them in `finally`/`afterAll`). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.all.map((app) => app.stop(signal)));
  }

  async request<T>(app: AppProcess, method: string, path: string, body?: unknown, key = ADMIN_KEY) {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async trigger(): Promise<string> {
    const res = await this.request<{ build_id: string }>(this.ingestion, 'POST', '/v1/rebuilds', {});
    if (res.status !== 202)
      throw new Error(`POST /v1/rebuilds answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.build_id;
  }

  async build(id: string): Promise<BuildView> {
    const res = await this.request<BuildView>(this.ingestion, 'GET', `/v1/rebuilds/${id}`);
    if (res.status !== 200) throw new Error(`GET /v1/rebuilds/${id} answered ${res.status}`);
    return res.body;
  }

  waitForBuild(id: string, statuses: readonly string[], timeoutMs: number): Promise<BuildView> {
    return until(
      `build ${id} to be ${statuses.join(' or ')}`,
      async () => {
        const b = await this.build(id);
        return statuses.includes(b.status) ? b : undefined;
      },
      timeoutMs,
    );
  }

  /**
   * Waits until `stage` of build `id` is running on one of `among`, and returns that process; null
   * when the build ended first.
   */
  async waitForStage(
    id: string,
    stage: string,
    among: AppProcess[],
    timeoutMs: number,
  ): Promise<AppProcess | null> {
    return until(
      `stage ${stage} of build ${id} to run`,
      async () => {
        const build = await this.build(id);
        if (build.status !== 'queued' && build.status !== 'running') return null;
        const s = build.stages[stage];
        if (s?.status !== 'running' || !s.worker) return undefined;
        const pid = Number(s.worker.slice(s.worker.lastIndexOf(':') + 1));
        return among.find((app) => app.pid === pid);
      },
      timeoutMs,
    );
  }

  /**
   * Posts `count` new events for `customer` and remembers every one acknowledged with a 202; any
   * other answer (a 503 while Postgres is away) is fine as long as it is not a 202 for a lost event.
   */
  async postEvents(customer: string, product: string, count = 5): Promise<number> {
    const events = Array.from({ length: count }, () => ({
      event_id: randomUUID(),
      customer_id: customer,
      product_id: product,
      type: 'view',
      timestamp: new Date().toISOString(),
    }));
    const res = await this.request(this.ingestion, 'POST', '/v1/events', events).catch(() => undefined);
    if (res?.status === 202) this.acknowledged.push(...events.map((e) => e.event_id));
    return res?.status ?? 0;
  }

  recommend(customer: string) {
    return this.request<RecommendationsResponse>(
      this.serving,
      'GET',
      `/v1/customers/${encodeURIComponent(customer)}/recommendations`,
      undefined,
      READ_KEY,
    );
  }

  /**
   * While `during` runs: posts events and, beside it, asks serving for `customer`'s list every
   * `everyMs`; every answer must be a 200 from one of the `allowed` builds (the previous build
   * answers throughout, until the new one is published).
   */
  async watch<T>(
    customer: string,
    product: string,
    allowed: readonly string[],
    during: () => Promise<T>,
    everyMs = 200,
  ): Promise<{ result: T; answers: number; wrong: string[] }> {
    let done = false;
    const wrong: string[] = [];
    let answers = 0;
    const posting = (async () => {
      while (!done) {
        await this.postEvents(customer, product, 2);
        await sleep(everyMs);
      }
    })();
    const reading = (async () => {
      while (!done) {
        const res = await this.recommend(customer).catch((e: Error) => ({ status: 0, body: e.message }));
        answers++;
        const buildId = (res.body as RecommendationsResponse | undefined)?.build_id;
        if (res.status !== 200 || !buildId || !allowed.includes(buildId))
          wrong.push(`${res.status} ${buildId ?? JSON.stringify(res.body)}`);
        await sleep(everyMs);
      }
    })();
    try {
      return { result: await during(), answers, wrong };
    } finally {
      done = true;
      await Promise.all([posting, reading]);
    }
  }
}

/** Milliseconds from `since` to the next start of `stage` on build `id` (its `started_at` after `since`). */
export async function waitForRestart(
  stack: FaultStack,
  id: string,
  stage: string,
  since: number,
  timeoutMs: number,
): Promise<number> {
  return until(
    `stage ${stage} of build ${id} to start again`,
    async () => {
      const s = (await stack.build(id)).stages[stage];
      const started = s?.started_at ? Date.parse(s.started_at) : 0;
      return started > since ? started - since : undefined;
    },
    timeoutMs,
  );
}
