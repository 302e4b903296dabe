/**
 * Do the served lists score what `nextbuy evaluate` says? (issue #14: "the evaluate numbers and the
 * served lists agree"). Scores the lists the serving API answers — what a storefront gets, rules,
 * category cap and the unknown-customer answer included — against the purchases of the horizon after
 * the active build's `as_of`, the way the backtest scores the engine: distinct products bought in
 * [as_of, as_of + horizon), guests left out, MAP@k over every customer who bought.
 *
 *   npm start (or the demo), then on the same database:
 *   nextbuy rebuild --as-of 2011-11-09 --wait
 *   nextbuy evaluate --as-of 2011-11-09            # the backtest's figure, to set beside this one
 *   npx tsx bench/engine/served-vs-evaluate.ts [--k 12] [--horizon-days 30]
 *
 * Env: DATABASE_URL, SERVING_URL (http://127.0.0.1:3000), NEXTBUY_API_KEY (a read key).
 */
import { NextbuyClient } from '@nextbuy/client';
import { BuildRepository, createDataSource, EventRepository } from '@nextbuy/db';
import { averagePrecisionAtK, GUEST_SEGMENT, recallAtK } from '@nextbuy/engine';

const CONCURRENCY = 8;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const k = option('k', 12);
  const horizonDays = option('horizon-days', 30);
  const db = await createDataSource({
    url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/nextbuy',
    poolSize: 2,
  }).initialize();
  const client = new NextbuyClient({
    baseUrl: process.env.SERVING_URL ?? 'http://127.0.0.1:3000',
    apiKey: process.env.NEXTBUY_API_KEY,
  });
  try {
    const build = await new BuildRepository(db).active();
    if (!build) throw new Error('no published build: run `nextbuy rebuild --as-of … --wait` first');
    if (!build.asOf) throw new Error(`build ${build.id} has no as_of`);
    const from = build.asOf;
    const to = new Date(from.getTime() + horizonDays * 86_400_000);
    const bought = new Map<string, Set<string>>();
    for (const row of await new EventRepository(db).horizonPurchases(from, to)) {
      if (row.segment === GUEST_SEGMENT) continue;
      let set = bought.get(row.customer_id);
      if (!set) bought.set(row.customer_id, (set = new Set()));
      set.add(row.product_id);
    }
    // Product ids as numbers, as the metrics take them (any one-to-one mapping scores the same).
    const index = new Map<string, number>();
    const ix = (id: string) => index.get(id) ?? (index.set(id, index.size), index.size - 1);
    const customers = [...bought.keys()];
    let map = 0;
    let recall = 0;
    let next = 0;
    const worker = async () => {
      while (next < customers.length) {
        const id = customers[next++]!;
        const answer = await client.recommendations(id, { limit: k });
        const predicted = answer.items.map((item) => ix(item.product_id));
        const actual = new Set([...bought.get(id)!].map(ix));
        map += averagePrecisionAtK(predicted, actual, k);
        recall += recallAtK(predicted, actual, k);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const n = customers.length || 1;
    console.log(
      `build ${build.id} as of ${from.toISOString()}: ${customers.length} customers bought in the next ${horizonDays} days`,
    );
    console.log(
      `served lists: MAP@${k} ${((100 * map) / n).toFixed(2)} %, recall@${k} ${((100 * recall) / n).toFixed(2)} %`,
    );
  } finally {
    await db.destroy();
  }
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
