/**
 * Staleness of the ranker (issue #14 item 4): what does it cost to score a rebuild with a model
 * trained some days before the rebuild's as-of (as a TRAIN_SCHEDULE would leave it)?
 *   npx tsx bench/engine/staleness.ts [--data DIR] [--lags 0,7,14,30] ['<overrides JSON>'] [as-of …]
 * For each as-of D and lag L the ranker is trained as of D − L (its training windows end at D − L),
 * then applied to the candidates and features as of D and scored by the protocol of evaluate.ts
 * (the engine's backtest, given the model instead of training one).
 */
import {
  DAY_MS,
  resolveConfig,
  sliceSnapshot,
  trainRanker,
  type EngineConfigOverrides,
} from '@nextbuy/engine';
import { backtest } from './evaluate';
import { dataDirArg, loadDataset } from './load';

const DEFAULT_DATES = ['2011-06-01', '2011-07-01', '2011-08-01', '2011-11-09'];
const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
};
option('data');
const lags = (option('lags') ?? '0,7,14,30').split(',').map(Number);
const overrides = (argv[0]?.startsWith('{') ? JSON.parse(argv.shift()!) : {}) as EngineConfigOverrides;
const dates = argv.length ? argv : DEFAULT_DATES;
const config = resolveConfig(overrides);
const full = loadDataset(dataDirArg());

const table = new Map<string, number[]>();
for (const d of dates) {
  const asOf = Date.parse(`${d}T00:00:00Z`);
  const row: number[] = [];
  for (const lag of lags) {
    const model = trainRanker(sliceSnapshot(full, asOf - lag * DAY_MS), config);
    const r = backtest(full, d, 12, overrides, true, model);
    row.push(r.rows[0]!.metrics.map * 100);
    console.log(`${d} model trained ${lag} days before: MAP@12 ${row.at(-1)!.toFixed(2)} %`);
  }
  table.set(d, row);
}

const cells = (xs: number[]) => xs.map((v) => v.toFixed(2).padStart(7)).join(' |');
console.log(`\n| as-of | ${lags.map((l) => (l === 0 ? 'same day' : `${l} d stale`)).join(' | ')} |`);
console.log(`|---|${lags.map(() => '---:').join('|')}|`);
for (const [d, row] of table) console.log(`| ${d} | ${cells(row)} |`);
const mean = lags.map((_, i) => [...table.values()].reduce((s, r) => s + r[i]!, 0) / table.size);
console.log(`| mean | ${cells(mean)} |`);
console.log(`| cost vs same day (points) | ${cells(mean.map((m) => m - mean[0]!))} |`);
