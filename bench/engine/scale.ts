/**
 * How each engine stage grows with the data: the Online Retail snapshot at 1×, 4× and 16× customers.
 *   npx tsx bench/engine/scale.ts [--factors 1,4,16] [--as-of 2011-11-09]
 * Copies of a customer get a new id (`id#k`), their own orders (`order#k`) and a k-millisecond time
 * shift (timestamps are minute-resolution, so the log stays sorted without a re-sort). Products are
 * shared, so co-occurrence counts grow like real traffic on the same catalogue.
 */
import {
  buildAttributeGraph,
  buildCustomerAffinities,
  buildCustomerNeighbours,
  buildItemGraphs,
  buildItemStats,
  buildTrainingSet,
  filterByCustomers,
  rankShard,
  resolveConfig,
  sliceSnapshot,
  trainRankerModel,
  type FeatureArtifacts,
  type Snapshot,
} from '@nextbuy/engine';
import { loadDataset } from './load';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export function scaleSnapshot(s: Snapshot, factor: number): Snapshot {
  if (factor === 1) return s;
  const n = s.events.ts.length;
  const nC = s.customers.ids.length;
  const nO = s.orders.length;
  const e = s.events;
  const out = {
    customer: new Int32Array(n * factor),
    product: new Int32Array(n * factor),
    type: new Uint8Array(n * factor),
    ts: new Float64Array(n * factor),
    order: new Int32Array(n * factor),
    quantity: new Float32Array(n * factor),
  };
  let j = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < factor; k++) {
      out.customer[j] = e.customer[i]! + k * nC;
      out.product[j] = e.product[i]!;
      out.type[j] = e.type[i]!;
      out.ts[j] = e.ts[i]! + k;
      out.order[j] = e.order[i]! < 0 ? -1 : e.order[i]! + k * nO;
      out.quantity[j] = e.quantity[i]!;
      j++;
    }
  }
  const ids: string[] = [];
  const segment = new Int32Array(nC * factor);
  const orders: string[] = [];
  for (let k = 0; k < factor; k++) {
    for (let c = 0; c < nC; c++) {
      ids.push(k === 0 ? s.customers.ids[c]! : `${s.customers.ids[c]!}#${k}`);
      segment[k * nC + c] = s.customers.segment[c]!;
    }
    for (let o = 0; o < nO; o++) orders.push(k === 0 ? s.orders[o]! : `${s.orders[o]!}#${k}`);
  }
  return { ...s, events: out, customers: { ...s.customers, ids, segment }, orders };
}

const mb = (b: number) => (b / 2 ** 20).toFixed(0);

function time<T>(label: string, row: Record<string, number>, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  row[label] = performance.now() - t0;
  return out;
}

if (require.main === module) {
  const factors = arg('factors', '1,4,16').split(',').map(Number);
  const asOf = Date.parse(`${arg('as-of', '2011-11-09')}T00:00:00Z`);
  const base = loadDataset();
  const config = resolveConfig();
  const shardSize = 1000;
  const table: {
    factor: number;
    events: number;
    customers: number;
    row: Record<string, number>;
    peakRss: number;
  }[] = [];
  for (const factor of factors) {
    global.gc?.();
    const full = scaleSnapshot(base, factor);
    const s = sliceSnapshot(full, asOf);
    let peakRss = process.memoryUsage().rss;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const row: Record<string, number> = {};
    const attributes = time('attributeGraph', row, () => buildAttributeGraph(s, config));
    const artifacts: FeatureArtifacts = {
      itemStats: time('itemStats', row, () => buildItemStats(s, config)),
      graphs: time('itemGraphs', row, () => buildItemGraphs(s, config)),
      attributes,
      affinities: time('customerAffinities', row, () => buildCustomerAffinities(s, config)),
      neighbours: time('customerNeighbours', row, () => buildCustomerNeighbours(s, config)),
    };
    const data = time('rankerTrainingSet', row, () => buildTrainingSet(s, config, undefined, attributes));
    const model = time('rankerFit', row, () => trainRankerModel(data, config.ranker));
    // Candidate/rank stage shard by shard, each over its own customers' events (as the workers run it).
    const customers = [...new Set(s.events.customer)].sort((a, b) => a - b);
    let shardMax = 0;
    row.rankShards = 0;
    for (let i = 0; i < customers.length; i += shardSize) {
      const shard = customers.slice(i, i + shardSize);
      const t0 = performance.now();
      rankShard(filterByCustomers(s, shard), artifacts, model, shard, config, { limit: 50 });
      const dt = performance.now() - t0;
      row.rankShards += dt;
      shardMax = Math.max(shardMax, dt);
    }
    row.rankShardMax = shardMax;
    clearInterval(sample);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    table.push({ factor, events: s.events.ts.length, customers: customers.length, row, peakRss });
    const total = Object.entries(row)
      .filter(([k]) => k !== 'rankShardMax')
      .reduce((a, [, v]) => a + v, 0);
    console.log(
      `${factor}×: ${s.events.ts.length} events, ${customers.length} customers, ${data.y.length} training rows — total ${total.toFixed(0)} ms, peak RSS ${mb(peakRss)} MiB`,
    );
    for (const [k, v] of Object.entries(row)) console.log(`  ${k.padEnd(20)} ${v.toFixed(0).padStart(8)} ms`);
  }
  const keys = Object.keys(table[0]!.row);
  console.log(`\n| stage | ${table.map((t) => `${t.factor}× (ms)`).join(' | ')} |`);
  console.log(`|---|${table.map(() => '---:').join('|')}|`);
  for (const k of keys) console.log(`| ${k} | ${table.map((t) => t.row[k]!.toFixed(0)).join(' | ')} |`);
  console.log(`| peak RSS (MiB) | ${table.map((t) => mb(t.peakRss)).join(' | ')} |`);
  console.log(`| events / customers | ${table.map((t) => `${t.events} / ${t.customers}`).join(' | ')} |`);
}
