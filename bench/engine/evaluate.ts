/**
 * Backtest of the engine on the canonical Online Retail files:
 *   npx tsx bench/engine/evaluate.ts [--as-of 2011-11-09] [--k 12] [--kind gbdt|linear] [--json]
 * Trains on events before as-of, predicts for every (non-guest) customer who purchased in
 * [as-of, as-of + 30d) and scores against the distinct products they bought.
 */
import {
  CandidateGenerator,
  DAY_MS,
  F,
  FEATURE_COUNT,
  STRATEGIES,
  buildAll,
  evaluateLists,
  purchasesBetween,
  rankShard,
  resolveConfig,
  sliceSnapshot,
  strategyBit,
  type BacktestMetrics,
  type EngineConfigOverrides,
  type Snapshot,
} from '@nextbuy/engine';
import { loadDataset } from './load';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export interface BacktestResult {
  asOf: string;
  rows: { method: string; metrics: BacktestMetrics }[];
  timings: Record<string, number>;
  engineMs: number;
}

export function backtest(
  full: Snapshot,
  asOfIso: string,
  k: number,
  overrides: EngineConfigOverrides = {},
  engineOnly = false,
): BacktestResult {
  const config = resolveConfig(overrides);
  const asOf = Date.parse(asOfIso.includes('T') ? asOfIso : `${asOfIso}T00:00:00Z`);
  const s = sliceSnapshot(full, asOf);
  const guest = full.customers.segmentNames.indexOf('guest');
  const actual = new Map<number, Set<number>>();
  for (const [c, set] of purchasesBetween(full, asOf, asOf + config.horizonDays * DAY_MS)) {
    if (full.customers.segment[c] !== guest) actual.set(c, set);
  }
  const catalog = s.products.ids.length;
  const rows: BacktestResult['rows'] = [];

  const t0 = performance.now();
  const built = buildAll(s, config);
  // Every customer with history before as-of gets a list (the rebuild's job), plus evaluated newcomers.
  const customers = new Set<number>(actual.keys());
  for (let e = 0; e < s.events.customer.length; e++) customers.add(s.events.customer[e]!);
  const tRank = performance.now();
  const ranked = rankShard(s, built.artifacts, built.model, Int32Array.from(customers), config, { limit: k });
  const timings = { ...built.timings, rankShard: performance.now() - tRank };
  const engineMs = performance.now() - t0;
  rows.push({
    method: `engine (${built.model.kind} ranker)`,
    metrics: evaluateLists(new Map(ranked.map((r) => [r.customer, r.items.map((i) => i.product)])), actual, k, catalog),
  });

  // Split of the engine's score: customers with purchase history vs newcomers (cold start).
  const engineLists = new Map(ranked.map((r) => [r.customer, r.items.map((i) => i.product)]));
  const seen = new Set<number>(s.events.customer);
  for (const known of [true, false]) {
    const subset = new Map([...actual].filter(([c]) => seen.has(c) === known));
    rows.push({ method: `  engine, ${known ? 'customers with history' : 'new customers'}`, metrics: evaluateLists(engineLists, subset, k, catalog) });
  }
  if (engineOnly) return { asOf: asOfIso, rows, timings, engineMs };
  // Baselines and strategies alone, from the same artifacts.
  const { itemStats } = built.artifacts;
  const popular = Array.from(itemStats.popular).slice(0, k);
  const fill = (list: number[]) => {
    const seen = new Set(list);
    for (const p of itemStats.popular) {
      if (list.length >= k) break;
      if (!seen.has(p)) list.push(p);
    }
    return list;
  };
  const gen = new CandidateGenerator(s, built.artifacts, config);
  const lists: Record<string, Map<number, number[]>> = {
    'popularity, last 30 days': new Map(),
    'own most-bought items + popularity fill': new Map(),
    'own items, 60d half-life + popularity fill': new Map(),
  };
  for (const st of STRATEGIES) lists[`strategy alone: ${st}`] = new Map();
  for (const c of actual.keys()) {
    lists['popularity, last 30 days']!.set(c, popular);
    const profile = gen.profile(c);
    const idx = Array.from(profile.items.keys()).filter((i) => profile.purchases[i]! > 0);
    const byCount = [...idx].sort((a, b) => profile.purchases[b]! - profile.purchases[a]! || profile.lastPurchase[b]! - profile.lastPurchase[a]!);
    lists['own most-bought items + popularity fill']!.set(c, fill(byCount.slice(0, k).map((i) => profile.items[i]!)));
    const byDecay = [...idx].sort((a, b) => profile.repurchase[b]! - profile.repurchase[a]!);
    lists['own items, 60d half-life + popularity fill']!.set(c, fill(byDecay.slice(0, k).map((i) => profile.items[i]!)));
    const set = gen.generate(c);
    // A strategy's own order: its candidates in the order it proposed them (its score).
    for (const st of STRATEGIES) {
      const bit = strategyBit(st);
      const scored: [number, number][] = [];
      for (let i = 0; i < set.products.length; i++) {
        if (set.foundBy[i]! & bit) scored.push([set.products[i]!, strategyScore(st, set, i)]);
      }
      scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      lists[`strategy alone: ${st}`]!.set(c, scored.slice(0, k).map(([p]) => p));
    }
  }
  for (const [method, l] of Object.entries(lists)) rows.push({ method, metrics: evaluateLists(l, actual, k, catalog) });
  const fresh = new Map([...actual].filter(([c]) => !seen.has(c)));
  rows.push({ method: '  popularity, new customers', metrics: evaluateLists(lists['popularity, last 30 days']!, fresh, k, catalog) });
  return { asOf: asOfIso, rows, timings, engineMs };
}

/** The score a strategy itself ranks by, read back from the feature row. */
function strategyScore(st: string, set: ReturnType<CandidateGenerator['generate']>, i: number): number {
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

export function printResult(r: BacktestResult): void {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`.padStart(8);
  console.log(`\nas-of ${r.asOf}: ${r.rows[0]!.metrics.customers} customers evaluated, k = ${r.rows[0]!.metrics.k}`);
  console.log(`${'method'.padEnd(46)}   MAP     Recall  Precis.  NDCG    HitRate Coverage`);
  for (const { method, metrics: m } of r.rows) {
    console.log(
      `${method.padEnd(46)}${pct(m.map)}${pct(m.recall)}${pct(m.precision)}${pct(m.ndcg)}${pct(m.hitRate)}${pct(m.coverage)}`,
    );
  }
  console.log(`\nengine time ${r.engineMs.toFixed(0)} ms:`);
  for (const [k, v] of Object.entries(r.timings)) console.log(`  ${k.padEnd(28)} ${v.toFixed(0).padStart(6)} ms`);
}

if (require.main === module) {
  const t0 = performance.now();
  const full = loadDataset();
  console.log(`loaded ${full.events.ts.length} events in ${(performance.now() - t0).toFixed(0)} ms`);
  const kind = arg('kind', 'gbdt') as 'gbdt' | 'linear';
  const result = backtest(full, arg('as-of', '2011-11-09'), Number(arg('k', '12')), { ranker: { kind } });
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else printResult(result);
}
