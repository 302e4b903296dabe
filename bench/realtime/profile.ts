/**
 * Cost of one real-time refresh against a published build (default: the demo database `nextbuy`),
 * split into spans: reads, engine, write. Read-only: the list write runs in a rolled-back
 * transaction, so it can point at the demo data. Runs from sources:
 *
 *   npx tsx --tsconfig bench/realtime/tsconfig.src.json bench/realtime/profile.ts [--n 300]
 *   node --cpu-prof --import tsx ... (TSX_TSCONFIG_PATH=bench/realtime/tsconfig.src.json)
 */
import { createDataSource, BuildOutputRepository, BuildRepository, rowsOf } from '@nextbuy/db';
import { loadEnv } from '@nextbuy/config';
import { RealtimeEngine } from '@nextbuy/engine';
import { loadBuildArtifacts } from '@nextbuy/rebuild';
import { toRankedItems } from '../../apps/candidates/src/rebuild/ranked-items';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const n = arg('n', 300);
  const db = await createDataSource({ url: loadEnv().DATABASE_URL, poolSize: 2 }).initialize();
  try {
    const build = await new BuildRepository(db).active();
    if (!build) throw new Error('no published build');
    let t = performance.now();
    const decoded = await loadBuildArtifacts(new BuildOutputRepository(db), build);
    console.log(`load build ${build.id}: ${(performance.now() - t).toFixed(0)} ms`);
    t = performance.now();
    const engine = new RealtimeEngine(decoded);
    console.log(`engine: ${(performance.now() - t).toFixed(0)} ms`);
    const ids = decoded.snapshot.customers.ids;
    const spans: Record<string, number[]> = { read: [], engine: [], names: [], write: [] };
    const eventsOf: number[] = [];
    for (let i = 0; i < n; i++) {
      const customerId = ids[Math.floor(Math.random() * ids.length)]!;
      let s = performance.now();
      const rows = rowsOf<{ product_id: string; type: 'view'; ts: string; order_id: string | null }>(
        await db.query(
          `SELECT product_id, type, extract(epoch FROM ts) * 1000 AS ts, order_id, quantity, session_id
           FROM events WHERE customer_id = $1 ORDER BY ts, id`,
          [customerId],
        ),
      );
      spans.read!.push(performance.now() - s);
      const events = rows.map((r) => ({ ...r, timestamp: Number(r.ts) }));
      eventsOf.push(events.length);
      s = performance.now();
      const result = engine.refresh({ customerId, events });
      spans.engine!.push(performance.now() - s);
      s = performance.now();
      const items = toRankedItems(result.recommendations.items, result.snapshot);
      spans.names!.push(performance.now() - s);
      s = performance.now();
      await db
        .transaction(async (m) => {
          await m.query(
            `INSERT INTO recommendations (build_id, customer_id, items) VALUES ($1, $2, $3)
           ON CONFLICT (build_id, customer_id) DO UPDATE SET items = EXCLUDED.items`,
            [build.id, customerId, JSON.stringify(items)],
          );
          throw new Rollback();
        })
        .catch((e: unknown) => {
          if (!(e instanceof Rollback)) throw e;
        });
      spans.write!.push(performance.now() - s);
    }
    const f = (x: number) => x.toFixed(2);
    for (const [name, xs] of Object.entries(spans))
      console.log(
        `${name.padEnd(7)} p50 ${f(pct(xs, 50))} ms  p95 ${f(pct(xs, 95))} ms  max ${f(pct(xs, 100))} ms`,
      );
    console.log(
      `events per customer: p50 ${pct(eventsOf, 50)}, p95 ${pct(eventsOf, 95)}, max ${pct(eventsOf, 100)}`,
    );
  } finally {
    await db.destroy();
  }
}

class Rollback extends Error {}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
