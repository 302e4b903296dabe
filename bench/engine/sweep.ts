/** Config sweep: npx tsx bench/engine/sweep.ts '<json overrides>' [as-of...] — prints MAP@12 per as-of. */
import type { EngineConfigOverrides } from '@nextbuy/engine';
import { loadDataset } from './load';
import { backtest } from './evaluate';

const overrides = JSON.parse(process.argv[2] ?? '{}') as EngineConfigOverrides;
const dates = process.argv.slice(3).length ? process.argv.slice(3) : ['2011-11-09'];
const full = loadDataset();
const out: string[] = [];
for (const d of dates) {
  const cpu = process.cpuUsage();
  const r = backtest(full, d, 12, overrides, true);
  const cpuMs = process.cpuUsage(cpu).user / 1000;
  const [m, known, fresh] = r.rows.map((x) => x.metrics);
  out.push(
    `${d} MAP ${(m!.map * 100).toFixed(2)} R ${(m!.recall * 100).toFixed(2)} | history ${known!.customers}: ${(known!.map * 100).toFixed(2)} new ${fresh!.customers}: ${(fresh!.map * 100).toFixed(2)} (${r.engineMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms cpu, fit ${r.timings['train.rankerFit']!.toFixed(0)})`,
  );
}
console.log(process.argv[2] ?? '{}', '\n  ' + out.join('\n  '));
