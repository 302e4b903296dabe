/**
 * Candidate recall: what share of the next horizon's purchases is in the candidate set at all (the
 * ceiling of any ranker), overall and per strategy, for customers with history.
 *   npx tsx bench/engine/recall.ts [--data DIR] ['<config overrides JSON>'] 2011-06-01 2011-07-01 …
 * No training: only the feature artifacts at each as-of and the candidate stage.
 */
import {
  CandidateGenerator,
  DAY_MS,
  STRATEGIES,
  buildFeatureArtifacts,
  purchasesBetween,
  resolveConfig,
  sliceSnapshot,
  strategyBit,
  type EngineConfigOverrides,
} from '@nextbuy/engine';
import { dataDirArg, loadDataset } from './load';

const args = process.argv.slice(2).filter((a, i, all) => a !== '--data' && all[i - 1] !== '--data');
const overrides = (args[0]?.startsWith('{') ? JSON.parse(args.shift()!) : {}) as EngineConfigOverrides;
const dates = args.length ? args : ['2011-11-09'];
const config = resolveConfig(overrides);
const full = loadDataset(dataDirArg());
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
for (const d of dates) {
  const asOf = Date.parse(`${d}T00:00:00Z`);
  const s = sliceSnapshot(full, asOf);
  const horizon = purchasesBetween(full, asOf, asOf + config.horizonDays * DAY_MS);
  const guest = s.customers.segmentNames.indexOf('guest');
  const seen = new Set<number>(s.events.customer);
  const gen = new CandidateGenerator(s, buildFeatureArtifacts(s, config), config);
  let bought = 0;
  let found = 0;
  let candidates = 0;
  let customers = 0;
  let boughtBefore = 0;
  const byStrategy = new Map<string, { found: number; only: number }>(
    STRATEGIES.map((st) => [st, { found: 0, only: 0 }]),
  );
  for (const [c, basket] of horizon) {
    if (s.customers.segment[c] === guest || !seen.has(c)) continue;
    customers++;
    const set = gen.generate(c);
    candidates += set.products.length;
    const slot = new Map<number, number>();
    set.products.forEach((p, i) => slot.set(p, i));
    const own = new Set(gen.profile(c).items);
    for (const p of basket) {
      bought++;
      if (own.has(p)) boughtBefore++;
      const i = slot.get(p);
      if (i === undefined) continue;
      found++;
      for (const st of STRATEGIES) {
        if (!(set.foundBy[i]! & strategyBit(st))) continue;
        byStrategy.get(st)!.found++;
        if (set.foundBy[i] === strategyBit(st)) byStrategy.get(st)!.only++;
      }
    }
  }
  console.log(
    `${d}: ${customers} customers with history, ${bought} (customer, product) purchases; ` +
      `candidate recall ${pct(found, bought)} (${(candidates / customers).toFixed(0)} candidates each); ` +
      `bought before ${pct(boughtBefore, bought)}`,
  );
  for (const [st, v] of byStrategy)
    console.log(`  ${st.padEnd(20)} finds ${pct(v.found, bought).padStart(6)}  alone ${pct(v.only, bought)}`);
}
