/**
 * The engine as the rebuild runs it: stages as separate jobs on two workers (this machine has two
 * cores), artifacts crossing between them only as encoded bytes.
 *   npx tsx bench/engine/parallel.ts [--as-of 2011-11-09] [--workers 2]
 * Flow: feature stages at as-of and one job per ranker training window (each builds its own
 * features as of its cut) → fit → candidate/rank shards. Prints the wall time of each phase and
 * how large the artifacts are.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  buildAttributeGraph,
  buildCustomerAffinities,
  buildCustomerNeighbours,
  buildItemGraphs,
  buildItemStats,
  buildTrainingWindow,
  decodeArtifact,
  decodeAttributeGraph,
  decodeCustomerAffinities,
  decodeCustomerNeighbours,
  decodeItemGraphs,
  decodeItemStats,
  decodeRanker,
  decodeTrainingSet,
  encodeArtifact,
  encodeAttributeGraph,
  encodeCustomerAffinities,
  encodeCustomerNeighbours,
  encodeItemGraphs,
  encodeItemStats,
  encodeRanker,
  encodeTrainingSet,
  filterByCustomers,
  mergeTrainingSets,
  rankShard,
  resolveConfig,
  sliceSnapshot,
  trainRankerModel,
  type FeatureArtifacts,
  type Snapshot,
} from '@nextbuy/engine';

type Task =
  | { kind: 'itemStats' | 'itemGraphs' | 'attributeGraph' | 'customerAffinities' | 'customerNeighbours' }
  | { kind: 'window'; window: number; attributes: Uint8Array }
  | { kind: 'fit'; windows: Uint8Array[] }
  | { kind: 'shard'; customers: Int32Array; artifacts: Record<string, Uint8Array>; model: Uint8Array };

const SNAPSHOT = 'bench-snapshot';
const config = resolveConfig();

function decodeArtifacts(a: Record<string, Uint8Array>): FeatureArtifacts {
  return {
    itemStats: decodeItemStats(a.itemStats!),
    graphs: decodeItemGraphs(a.itemGraphs!),
    attributes: decodeAttributeGraph(a.attributeGraph!),
    affinities: decodeCustomerAffinities(a.customerAffinities!),
    neighbours: decodeCustomerNeighbours(a.customerNeighbours!),
  };
}

function run(s: Snapshot, task: Task): Uint8Array {
  switch (task.kind) {
    case 'itemStats':
      return encodeItemStats(buildItemStats(s, config));
    case 'itemGraphs':
      return encodeItemGraphs(buildItemGraphs(s, config));
    case 'attributeGraph':
      return encodeAttributeGraph(buildAttributeGraph(s, config));
    case 'customerAffinities':
      return encodeCustomerAffinities(buildCustomerAffinities(s, config));
    case 'customerNeighbours':
      return encodeCustomerNeighbours(buildCustomerNeighbours(s, config));
    case 'window':
      return encodeTrainingSet(
        buildTrainingWindow(s, config, task.window, { attributes: decodeAttributeGraph(task.attributes) }),
      );
    case 'fit':
      return encodeRanker(
        trainRankerModel(mergeTrainingSets(task.windows.map(decodeTrainingSet)), config.ranker),
      );
    case 'shard': {
      const lists = rankShard(
        filterByCustomers(s, task.customers),
        decodeArtifacts(task.artifacts),
        decodeRanker(task.model),
        task.customers,
        config,
      );
      return new TextEncoder().encode(
        JSON.stringify(lists.map((l) => [l.customerId, l.items.map((i) => i.productId)])),
      );
    }
  }
}

if (!isMainThread) {
  const s = decodeArtifact<Snapshot>(SNAPSHOT, 1, workerData as Uint8Array);
  parentPort!.on('message', (task: Task) => parentPort!.postMessage(run(s, task)));
} else {
  void main();
}

async function main() {
  const { loadDataset } = await import('./load');
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
  };
  const asOf = Date.parse(`${arg('as-of', '2011-11-09')}T00:00:00Z`);
  const s = sliceSnapshot(loadDataset(), asOf);
  const bytes = encodeArtifact(SNAPSHOT, 1, s);
  const nWorkers = Number(arg('workers', '2'));
  const workers = Array.from(
    { length: nWorkers },
    () =>
      new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, {
        eval: true,
        workerData: bytes,
      }),
  );
  // Warm-up: each worker decodes the snapshot and answers one trivial task.
  await Promise.all(workers.map((w) => call(w, { kind: 'itemStats' })));

  /** Runs tasks over the workers, each taking the next task when free. */
  async function pool(tasks: Task[]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = new Array<Uint8Array>(tasks.length);
    let next = 0;
    await Promise.all(
      workers.map(async (w) => {
        while (next < tasks.length) {
          const i = next++;
          out[i] = await call(w, tasks[i]!);
        }
      }),
    );
    return out;
  }

  const phases: [string, number][] = [];
  const t0 = performance.now();
  const [attributes] = await pool([{ kind: 'attributeGraph' }]);
  phases.push(['attribute graph', performance.now() - t0]);
  const t1 = performance.now();
  // Longest jobs first: training windows (features + candidates), then the as-of feature stages.
  const windows = Array.from({ length: config.ranker.trainingWindows }, (_, i): Task => ({
    kind: 'window',
    window: i + 1,
    attributes: attributes!,
  }));
  const stageNames = ['itemGraphs', 'customerNeighbours', 'itemStats', 'customerAffinities'] as const;
  const results = await pool([...windows, ...stageNames.map((kind): Task => ({ kind }))]);
  phases.push([
    `training windows ‖ feature stages (${windows.length} + ${stageNames.length} jobs)`,
    performance.now() - t1,
  ]);
  const t2 = performance.now();
  const [model] = await pool([{ kind: 'fit', windows: results.slice(0, windows.length) }]);
  phases.push(['ranker fit', performance.now() - t2]);
  const artifacts: Record<string, Uint8Array> = { attributeGraph: attributes! };
  stageNames.forEach((k, i) => (artifacts[k] = results[windows.length + i]!));
  const t3 = performance.now();
  const customers = Int32Array.from(new Set(s.events.customer)).sort();
  const shards = nWorkers * 2;
  const per = Math.ceil(customers.length / shards);
  const shardTasks = Array.from({ length: shards }, (_, i): Task => ({
    kind: 'shard',
    customers: customers.slice(i * per, (i + 1) * per),
    artifacts,
    model: model!,
  }));
  const lists = await pool(shardTasks);
  phases.push([
    `candidate/rank shards (${shards} jobs, ${customers.length} customers, 50 items)`,
    performance.now() - t3,
  ]);
  const total = performance.now() - t0;
  for (const [name, ms] of phases) console.log(`${name.padEnd(72)} ${ms.toFixed(0).padStart(6)} ms`);
  console.log(`${'total (wall, ' + nWorkers + ' workers)'.padEnd(72)} ${total.toFixed(0).padStart(6)} ms`);
  const sizes = Object.entries(artifacts).map(([k, v]) => `${k} ${(v.length / 1024).toFixed(0)} KiB`);
  console.log(`artifacts: ${sizes.join(', ')}, ranker ${(model!.length / 1024).toFixed(0)} KiB`);
  const nLists = lists.reduce((n, b) => n + (JSON.parse(new TextDecoder().decode(b)) as unknown[]).length, 0);
  console.log(`lists: ${nLists}`);
  await Promise.all(workers.map((w) => w.terminate()));
}

function call(w: Worker, task: Task): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.postMessage(task);
  });
}
