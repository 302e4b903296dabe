/**
 * Backtest of the engine on the canonical Online Retail files:
 *   npx tsx bench/engine/evaluate.ts [--data DIR] [--as-of 2011-11-09] [--k 12] [--kind gbdt|linear] [--json]
 * Trains on events before as-of, predicts for every (non-guest) customer who purchased in
 * [as-of, as-of + 30d) and scores against the distinct products they bought. The protocol itself
 * is the engine's `backtest` (the same code as `nextbuy evaluate`); this file only reads the files.
 */
import {
  DAY_MS,
  backtest as engineBacktest,
  formatBacktestTable,
  purchasesBetween,
  resolveConfig,
  sliceSnapshot,
  type BacktestMetrics,
  type BacktestReport,
  type EngineConfigOverrides,
  type RankerModel,
  type Snapshot,
} from '@nextbuy/engine';
import { dataDirArg, loadDataset } from './load';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export interface BacktestResult {
  asOf: string;
  rows: { method: string; metrics: BacktestMetrics }[];
  timings: Record<string, number>;
  engineMs: number;
  report: BacktestReport;
}

export function backtest(
  full: Snapshot,
  asOfIso: string,
  k: number,
  overrides: EngineConfigOverrides = {},
  engineOnly = false,
  /** Score with this ranker instead of training one at as-of (bench/engine/staleness.ts). */
  model?: RankerModel,
): BacktestResult {
  const config = resolveConfig(overrides);
  const asOf = Date.parse(asOfIso.includes('T') ? asOfIso : `${asOfIso}T00:00:00Z`);
  const horizon = purchasesBetween(full, asOf, asOf + config.horizonDays * DAY_MS);
  const report = engineBacktest(sliceSnapshot(full, asOf), horizon, config, { k, engineOnly, model });
  return { asOf: asOfIso, rows: report.rows, timings: report.timings, engineMs: report.engine_ms, report };
}

export function printResult(r: BacktestResult): void {
  console.log(`\nas-of ${r.asOf}: ${r.report.customers} customers evaluated, k = ${r.report.k}`);
  for (const line of formatBacktestTable(r.report)) console.log(line);
  console.log(`\nengine time ${r.engineMs.toFixed(0)} ms:`);
  for (const [k, v] of Object.entries(r.timings))
    console.log(`  ${k.padEnd(28)} ${v.toFixed(0).padStart(6)} ms`);
}

if (require.main === module) {
  const t0 = performance.now();
  const full = loadDataset(dataDirArg());
  console.log(`loaded ${full.events.ts.length} events in ${(performance.now() - t0).toFixed(0)} ms`);
  const kind = arg('kind', 'gbdt') as 'gbdt' | 'linear';
  const result = backtest(full, arg('as-of', '2011-11-09'), Number(arg('k', '12')), { ranker: { kind } });
  if (process.argv.includes('--json')) console.log(JSON.stringify(result.report, null, 2));
  else printResult(result);
}
