/**
 * Config sweep: npx tsx bench/engine/sweep.ts [--data DIR] '<json overrides>' [as-of...] — prints
 * MAP@12 per as-of and their mean (judge a change on every date, never on one).
 */
import type { EngineConfigOverrides } from '@nextbuy/engine';
import { dataDirArg, loadDataset } from './load';
import { backtest } from './evaluate';

const args = process.argv.slice(2).filter((a, i, all) => a !== '--data' && all[i - 1] !== '--data');
const overrides = JSON.parse(args[0] ?? '{}') as EngineConfigOverrides;
const dates = args.slice(1).length ? args.slice(1) : ['2011-11-09'];
const full = loadDataset(dataDirArg());
const out: string[] = [];
let sum = 0;
for (const d of dates) {
  const cpu = process.cpuUsage();
  const r = backtest(full, d, 12, overrides, true);
  const cpuMs = process.cpuUsage(cpu).user / 1000;
  const [m, known, fresh] = r.rows.map((x) => x.metrics);
  sum += m!.map;
  out.push(
    `${d} MAP ${(m!.map * 100).toFixed(2)} R ${(m!.recall * 100).toFixed(2)} | history ${known!.customers}: ${(known!.map * 100).toFixed(2)} new ${fresh!.customers}: ${(fresh!.map * 100).toFixed(2)} (${r.engineMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms cpu, fit ${r.timings['train.rankerFit']!.toFixed(0)})`,
  );
}
out.push(`mean MAP ${((sum / dates.length) * 100).toFixed(2)}`);
console.log(args[0] ?? '{}', '\n  ' + out.join('\n  '));
