/**
 * Offline backtest (SPEC `nextbuy evaluate`, the dataset README's protocol): the engine is trained
 * on a snapshot (only events before its `asOf`) and its lists are scored against what customers
 * bought in the horizon that follows, next to simple baselines and each strategy alone.
 * Pure: the caller loads the snapshot and the horizon's purchases (files or Postgres).
 */
import { buildAll, type BuiltEngine } from './build';
import { CandidateGenerator, strategyBit, type CandidateSet } from './candidates';
import { DAY_MS, type EngineConfig } from './config';
import { evaluateLists } from './metrics';
import { F, FEATURE_COUNT } from './rank/features';
import { rankShard } from './rank/rank-candidates';
import type { RankerModel } from './rank/ranker';
import { buildFeatureArtifacts } from './features/artifacts';
import type { Timings } from './timings';
import { EventType, type Snapshot } from './snapshot';
import { taskAudience } from './tasks/audience';
import { STRATEGIES, type Strategy } from './strategies/types';

/** Guests are never evaluated (GUEST_SEGMENT lives with the model gate's holdout, which leaves them out too). */
import { GUEST_SEGMENT } from './rank/holdout';

export interface BacktestOptions {
  k: number;
  /** Only the engine rows (sweeps): skips the baselines and the strategies alone. */
  engineOnly?: boolean;
  /** Score with this ranker instead of training one at the snapshot's as-of (staleness: a model
   *  trained days before as-of, applied to today's candidates). */
  model?: RankerModel;
}

/** A backtest's report: declared once, in contracts (stored in Postgres and served by the API). */
export type { EvaluationReport as BacktestReport, EvaluationRow as BacktestRow } from '@nextbuy/contracts';
import type { EvaluationReport as BacktestReport, EvaluationRow as BacktestRow } from '@nextbuy/contracts';

/** A purchase in the horizon, by external ids (what a database or file loader reads). */
export interface HorizonPurchase {
  customer_id: string;
  product_id: string;
  /** The customer's segment when the loader knows it: guests are never evaluated. */
  segment?: string | null;
}

/**
 * Maps horizon purchases to the snapshot's indices: customer → distinct products. Ids the snapshot
 * does not know (customers and products that appeared after as-of) get indices past its
 * dictionaries: such a product counts as bought but no list can hold it; such a customer is a
 * newcomer and gets the cold-start answer. Guest purchases (by `segment`) are left out.
 */
export function indexHorizonPurchases(
  s: Snapshot,
  rows: Iterable<HorizonPurchase>,
): { purchases: Map<number, Set<number>>; unknownCustomers: number; unknownProducts: number } {
  const customers = new Map(s.customers.ids.map((id, i) => [id, i]));
  const products = new Map(s.products.ids.map((id, i) => [id, i]));
  const purchases = new Map<number, Set<number>>();
  for (const r of rows) {
    if (r.segment === GUEST_SEGMENT) continue;
    let c = customers.get(r.customer_id);
    if (c === undefined) customers.set(r.customer_id, (c = customers.size));
    let p = products.get(r.product_id);
    if (p === undefined) products.set(r.product_id, (p = products.size));
    let set = purchases.get(c);
    if (!set) purchases.set(c, (set = new Set()));
    set.add(p);
  }
  return {
    purchases,
    unknownCustomers: customers.size - s.customers.ids.length,
    unknownProducts: products.size - s.products.ids.length,
  };
}

/**
 * Scores the engine and the baselines. `s` must hold only events before `s.asOf` (the caller's
 * guarantee: `sliceSnapshot` or a loader that reads strictly before as-of); `horizon` maps
 * customer index → distinct products bought (the task's target events) in [asOf, asOf + config.horizonDays).
 * Guests, and customers outside the task's audience, are left out.
 * A customer index past the dictionary (one the snapshot does not know) gets the cold-start list.
 */
export function backtest(
  s: Snapshot,
  horizon: ReadonlyMap<number, ReadonlySet<number>>,
  config: EngineConfig,
  options: BacktestOptions,
): BacktestReport {
  const { k } = options;
  for (let e = 0; e < s.events.ts.length; e++) {
    if (s.events.ts[e]! >= s.asOf)
      throw new Error('backtest: the snapshot holds events at or after its as-of');
  }
  const guest = s.customers.segmentNames.indexOf(GUEST_SEGMENT);
  // The task's audience (its entity filter): only they are scored, only they get lists.
  const audience = taskAudience(s, config.task.audience);
  const actual = new Map<number, ReadonlySet<number>>();
  for (const [c, set] of horizon)
    if (s.customers.segment[c] !== guest && set.size > 0 && (!audience || audience(c))) actual.set(c, set);
  const catalog = s.products.ids.length;
  const seen = new Set<number>(s.events.customer);
  const nC = s.customers.ids.length;
  /** Customers unknown to the snapshot all stand for index nC, the engine's "unknown customer". */
  const as = (c: number) => Math.min(c, nC);
  const rows: BacktestRow[] = [];

  const t0 = performance.now();
  const built = options.model ? withModel(s, config, options.model) : buildAll(s, config);
  // Every customer with history gets a list (the rebuild's job), plus the evaluated newcomers.
  const customers = new Set<number>(Array.from(actual.keys(), as));
  for (const c of seen) if (!audience || audience(c)) customers.add(c);
  const tRank = performance.now();
  const ranked = rankShard(s, built.artifacts, built.model, Int32Array.from(customers), config, { limit: k });
  const timings: Record<string, number> = { ...built.timings, rankShard: performance.now() - tRank };
  const engineMs = performance.now() - t0;
  const engineLists = new Map(ranked.map((r) => [r.customer, r.items.map((i) => i.product)]));
  for (const c of actual.keys()) if (c > nC) engineLists.set(c, engineLists.get(nC)!);
  rows.push({
    method: `engine (${built.model.kind} ranker)`,
    metrics: evaluateLists(engineLists, actual, k, catalog),
  });
  // Split of the engine's score: customers with purchase history vs newcomers (cold start).
  const fresh = new Map([...actual].filter(([c]) => !seen.has(c)));
  const known = new Map([...actual].filter(([c]) => seen.has(c)));
  rows.push({
    method: '  engine, customers with history',
    metrics: evaluateLists(engineLists, known, k, catalog),
  });
  rows.push({ method: '  engine, new customers', metrics: evaluateLists(engineLists, fresh, k, catalog) });

  const report = (): BacktestReport => ({
    as_of: new Date(s.asOf).toISOString(),
    horizon_days: config.horizonDays,
    k,
    customers: actual.size,
    new_customers: fresh.size,
    catalog,
    training_events: s.events.ts.length,
    rows,
    engine_ms: engineMs,
    timings,
  });
  if (options.engineOnly) return report();

  // Baselines and strategies alone, from the same artifacts.
  const { itemStats } = built.artifacts;
  const popular = Array.from(itemStats.popular).slice(0, k);
  const fill = (list: number[]): number[] => {
    const listed = new Set(list);
    for (const p of itemStats.popular) {
      if (list.length >= k) break;
      if (!listed.has(p)) list.push(p);
    }
    return list;
  };
  const gen = new CandidateGenerator(s, built.artifacts, config);
  const POPULAR = 'popularity, last 30 days';
  const OWN = 'own most-bought items + popularity fill';
  const DECAY = 'own items, 60d half-life + popularity fill';
  const lists = new Map<string, Map<number, number[]>>([
    [POPULAR, new Map()],
    [OWN, new Map()],
    [DECAY, new Map()],
  ]);
  for (const st of STRATEGIES) lists.set(`strategy alone: ${st}`, new Map());
  for (const c of actual.keys()) {
    lists.get(POPULAR)!.set(c, popular);
    const profile = gen.profile(as(c));
    const idx = Array.from(profile.items.keys()).filter((i) => profile.purchases[i]! > 0);
    const byCount = [...idx].sort(
      (a, b) =>
        profile.purchases[b]! - profile.purchases[a]! || profile.lastPurchase[b]! - profile.lastPurchase[a]!,
    );
    lists.get(OWN)!.set(c, fill(byCount.slice(0, k).map((i) => profile.items[i]!)));
    const byDecay = [...idx].sort((a, b) => profile.repurchase[b]! - profile.repurchase[a]!);
    lists.get(DECAY)!.set(c, fill(byDecay.slice(0, k).map((i) => profile.items[i]!)));
    const set = gen.generate(as(c));
    // A strategy's own order: its candidates by the score it proposed them with.
    for (const st of STRATEGIES) {
      const bit = strategyBit(st);
      const scored: [number, number][] = [];
      for (let i = 0; i < set.products.length; i++) {
        if (set.foundBy[i]! & bit) scored.push([set.products[i]!, strategyScore(st, set, i)]);
      }
      scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      lists.get(`strategy alone: ${st}`)!.set(
        c,
        scored.slice(0, k).map(([p]) => p),
      );
    }
  }
  if (!isPurchaseTarget(config)) {
    // The fair baseline of another target: the products most customers had a target event with lately.
    const targetPopular = popularByTarget(s, config, k);
    lists.set(
      TARGET_POPULAR,
      new Map(Array.from(actual.keys(), (c): [number, number[]] => [c, targetPopular])),
    );
  }
  for (const [method, l] of lists) rows.push({ method, metrics: evaluateLists(l, actual, k, catalog) });
  rows.push({
    method: '  popularity, new customers',
    metrics: evaluateLists(lists.get(POPULAR)!, fresh, k, catalog),
  });
  return report();
}

/** Name of the baseline row of a task whose target is not purchases. */
export const TARGET_POPULAR = 'popularity of the target events, last 30 days';

function isPurchaseTarget(config: EngineConfig): boolean {
  const t = config.task.targetEventTypes;
  return t.length === 1 && t[0] === 'purchase';
}

/**
 * The k products with the most distinct customers having an event of the task's target types in the
 * popularity window before as-of (ties by product index).
 */
function popularByTarget(s: Snapshot, config: EngineConfig, k: number): number[] {
  const from = s.asOf - config.popularityWindowDays * DAY_MS;
  const target = new Uint8Array(8);
  for (const t of config.task.targetEventTypes) target[EventType[t]] = 1;
  const seen = new Set<number>();
  const counts = new Map<number, number>();
  const nC = s.customers.ids.length;
  const { customer, product, type, ts } = s.events;
  for (let e = 0; e < ts.length; e++) {
    if (ts[e]! < from || target[type[e]!] !== 1) continue;
    const key = product[e]! * nC + customer[e]!;
    if (seen.has(key)) continue;
    seen.add(key);
    counts.set(product[e]!, (counts.get(product[e]!) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([p]) => p);
}

/** The feature artifacts at the snapshot's as-of and a ranker trained elsewhere (no training here). */
function withModel(s: Snapshot, config: EngineConfig, model: RankerModel): BuiltEngine {
  const timings: Timings = {};
  const artifacts = buildFeatureArtifacts(s, config, timings);
  return { snapshot: s, config, artifacts, model, timings };
}

/** The score a strategy itself ranks by, read back from the candidate's feature row. */
function strategyScore(st: Strategy, set: CandidateSet, i: number): number {
  const row = set.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
  switch (st) {
    case 'repurchase':
      return row[F.repurchase_score]!;
    case 'collaborative':
      return row[F.collaborative]! + row[F.similar_customers]!;
    case 'complementary':
      return row[F.together]! + row[F.after]!;
    case 'affinity_similar':
      return row[F.attribute_similarity]!;
    case 'category_preference':
      return row[F.category_share]! * row[F.category_rank_score]!;
    default:
      return row[F.buyers_30d]!;
  }
}

/** The report as a fixed-width table (CLI, bench). */
export function formatBacktestTable(r: BacktestReport): string[] {
  const labels = ['MAP', 'Recall', 'Precision', 'NDCG']
    .map((m) => `${m}@${r.k}`)
    .concat(['hit rate', 'coverage']);
  const widths = labels.map((l) => Math.max(9, l.length + 2));
  const width = Math.max(6, ...r.rows.map((x) => x.method.length)) + 2;
  const lines = [`${'method'.padEnd(width)}${labels.map((l, i) => l.padStart(widths[i]!)).join('')}`];
  for (const { method, metrics: m } of r.rows) {
    const cells = [m.map, m.recall, m.precision, m.ndcg, m.hitRate, m.coverage];
    lines.push(
      `${method.padEnd(width)}${cells.map((v, i) => `${(v * 100).toFixed(2)}%`.padStart(widths[i]!)).join('')}`,
    );
  }
  return lines;
}
