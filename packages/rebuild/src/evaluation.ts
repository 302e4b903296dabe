import type { DataSource } from 'typeorm';
import { EVALUATION_DEFAULTS, PermanentJobError, type EvaluationReport } from '@nextbuy/contracts';
import { CatalogRepository, EvaluationRepository, EventRepository } from '@nextbuy/db';
import {
  DAY_MS,
  backtest,
  indexHorizonPurchases,
  resolveConfig,
  taskEngineOverrides,
  type EngineConfigOverrides,
  type Snapshot,
} from '@nextbuy/engine';
import { readSnapshot } from './snapshot-reader';
import type { BuildTask } from './tasks';

export interface EvaluationOptions {
  asOf: Date;
  /** The prediction task scored: its target events, horizon, K (the default `k`) and audience. */
  task?: BuildTask;
  /** Ignored with a task (its horizon is part of the question). */
  horizonDays?: number;
  k?: number;
  /** Engine settings beyond the horizon (tests use a smaller ranker). */
  engine?: EngineConfigOverrides;
}

export interface EvaluationResult {
  evaluationId: string;
  report: EvaluationReport;
}

/** Nobody (but guests) bought anything in the horizon: there is nothing to score against. */
export class NoHorizonPurchasesError extends PermanentJobError {}

/** Index remapping that keeps the entries not in `drop`, in order. */
function keeper(ids: string[], drop: ReadonlySet<string>): { keep: number[]; remap: Int32Array } {
  const keep = ids.map((id, i) => (drop.has(id) ? -1 : i)).filter((i) => i >= 0);
  const remap = new Int32Array(ids.length).fill(-1);
  keep.forEach((old, i) => (remap[old] = i));
  return { keep, remap };
}

/**
 * The snapshot reads the whole catalogue and every customer (master data, imported up front), but
 * a product or customer known only from events at or after as-of (a stub no earlier event names)
 * did not exist at as-of. They leave the dictionaries altogether: counts such as the number of
 * customers weigh features (idf), so even an idle extra entry would move the lists. Newcomers who
 * buy in the horizon are still scored, with the cold-start answer (`backtest`).
 */
async function asItWas(catalog: CatalogRepository, s: Snapshot, asOf: Date): Promise<Snapshot> {
  const { products: laterProducts, customers: laterCustomers } = await catalog.stubsFirstSeenFrom(asOf);
  if (laterProducts.size === 0 && laterCustomers.size === 0) return s;
  const d = s.products;
  const P = keeper(d.ids, laterProducts);
  const C = keeper(s.customers.ids, laterCustomers);
  const attrOffsets = new Int32Array(P.keep.length + 1);
  const attrTokens: number[] = [];
  P.keep.forEach((p, i) => {
    for (let t = d.attrOffsets[p]!; t < d.attrOffsets[p + 1]!; t++) attrTokens.push(d.attrTokens[t]!);
    attrOffsets[i + 1] = attrTokens.length;
  });
  return {
    ...s,
    events: {
      ...s.events,
      product: Int32Array.from(s.events.product, (p) => P.remap[p]!),
      customer: Int32Array.from(s.events.customer, (c) => C.remap[c]!),
    },
    customers: {
      ...s.customers,
      ids: C.keep.map((c) => s.customers.ids[c]!),
      segment: Int32Array.from(C.keep, (c) => s.customers.segment[c]!),
    },
    products: {
      ...d,
      ids: P.keep.map((p) => d.ids[p]!),
      name: P.keep.map((p) => d.name[p]!),
      category: Int32Array.from(P.keep, (p) => d.category[p]!),
      brand: Int32Array.from(P.keep, (p) => d.brand[p]!),
      price: Float64Array.from(P.keep, (p) => d.price[p]!),
      available: Uint8Array.from(P.keep, (p) => d.available[p]!),
      attrOffsets,
      attrTokens: Int32Array.from(attrTokens),
    },
  };
}

/** What the backtested engine sees: events strictly before as-of, the products and customers of then. */
export async function loadEvaluationSnapshot(db: DataSource, asOf: Date): Promise<Snapshot> {
  const catalog = new CatalogRepository(db);
  return asItWas(
    catalog,
    await readSnapshot({ events: new EventRepository(db), catalog }, asOf, false),
    asOf,
  );
}

/**
 * The backtest itself: the engine sees only events strictly before as-of (`readSnapshot(…, false)`)
 * and is scored against purchases in [as-of, as-of + horizon). The horizon is read first: every
 * customer and product it names then already exists for the snapshot's dictionaries.
 */
export async function computeEvaluation(
  db: DataSource,
  options: EvaluationOptions,
): Promise<EvaluationReport> {
  const { horizonDays, k } = evaluationShape(options);
  const from = options.asOf;
  const to = new Date(from.getTime() + horizonDays * DAY_MS);
  const config = resolveConfig({
    ...options.engine,
    ...(options.task ? taskEngineOverrides(options.task.definition) : {}),
    horizonDays,
  });
  const types = config.task.targetEventTypes;
  const rows = await new EventRepository(db).horizonPurchases(from, to, types);
  const what = options.task ? `events of type ${types.join(', ')}` : 'purchases';
  const window = `between ${from.toISOString()} and ${to.toISOString()}`;
  const hint = 'nothing to score against (pick an earlier as-of or a longer horizon)';
  if (rows.length === 0) throw new NoHorizonPurchasesError(`no ${what} ${window}: ${hint}`);
  const snapshot = await loadEvaluationSnapshot(db, from);
  const { purchases } = indexHorizonPurchases(snapshot, rows);
  const report = backtest(snapshot, purchases, config, { k });
  if (report.customers === 0)
    throw new NoHorizonPurchasesError(
      `no ${what} by a non-guest customer${options.task?.definition.filter ? " of the task's audience" : ''} ${window}: ${hint}`,
    );
  return options.task ? { task: options.task.name, ...report } : report;
}

/** Horizon and k of an evaluation: a task's horizon, and its K unless k is given; else the protocol's. */
function evaluationShape(options: EvaluationOptions): { horizonDays: number; k: number } {
  const task = options.task?.definition;
  return {
    horizonDays: task ? task.target.horizon_days : (options.horizonDays ?? EVALUATION_DEFAULTS.horizonDays),
    k: options.k ?? task?.k ?? EVALUATION_DEFAULTS.k,
  };
}

/** Runs a backtest in this process and stores it (`nextbuy evaluate`). Failures are stored too. */
export async function runEvaluation(db: DataSource, options: EvaluationOptions): Promise<EvaluationResult> {
  const evaluations = new EvaluationRepository(db);
  const row = await evaluations.create({ asOf: options.asOf, ...evaluationShape(options) }, 'running');
  try {
    const report = await computeEvaluation(db, options);
    await evaluations.finish(row.id, report);
    return { evaluationId: row.id, report };
  } catch (e) {
    await evaluations.fail(row.id, (e as Error).message).catch(() => undefined);
    throw e;
  }
}

/**
 * The `evaluation.run` job: fills the queued row it names. The outcome lives in the row (done or
 * failed with the reason); a backtest is deterministic, so a failure is not retried.
 */
export async function runQueuedEvaluation(
  db: DataSource,
  evaluationId: string,
  engine: EngineConfigOverrides = {},
): Promise<void> {
  const evaluations = new EvaluationRepository(db);
  const row = await evaluations.get(evaluationId);
  if (!row) throw new PermanentJobError(`evaluation ${evaluationId} does not exist`);
  if (!(await evaluations.markRunning(evaluationId))) return;
  try {
    const report = await computeEvaluation(db, {
      asOf: new Date(row.as_of),
      horizonDays: Number(row.horizon_days),
      k: Number(row.k),
      engine,
    });
    await evaluations.finish(evaluationId, report);
  } catch (e) {
    await evaluations.fail(evaluationId, (e as Error).message);
  }
}
