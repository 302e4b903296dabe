/**
 * CPU time of every rebuild stage's engine work, in process on one core (CPU time rather than wall
 * time, so the figures mean something on a busy machine; the stages' Postgres I/O is not included):
 *   npx tsx bench/engine/profile-rebuild.ts
 * Stages as the rebuild runs them as jobs: feature stages, one job per ranker training window, the
 * fit, ranking every customer (the rank shards together), stored items and their JSON, item lists.
 */
import {
  buildAttributeGraph,
  buildCustomerAffinities,
  buildCustomerNeighbours,
  buildItemGraphs,
  buildItemStats,
  buildTrainingWindow,
  mergeTrainingSets,
  rankShard,
  resolveConfig,
  trainRankerModel,
  type FeatureArtifacts,
  type TrainingSet,
} from '@nextbuy/engine';
import { productLists, toRankedItems } from '@nextbuy/pipeline';
import { loadDataset } from './load';

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const rows: [string, number][] = [];
function stage<T>(name: string, fn: () => T): T {
  const t0 = cpu();
  const out = fn();
  rows.push([name, cpu() - t0]);
  return out;
}

const config = resolveConfig();
const s = stage('load dataset (bench only)', () => loadDataset());
const attributes = stage('attribute-graph', () => buildAttributeGraph(s, config));
const artifacts: FeatureArtifacts = {
  itemStats: stage('item-stats', () => buildItemStats(s, config)),
  graphs: stage('item-graphs', () => buildItemGraphs(s, config)),
  attributes,
  affinities: stage('customer-affinities', () => buildCustomerAffinities(s, config)),
  neighbours: stage('customer-neighbours', () => buildCustomerNeighbours(s, config)),
};
const windows: TrainingSet[] = [];
for (let w = 1; w <= config.ranker.trainingWindows; w++)
  windows.push(stage(`ranker window ${w}`, () => buildTrainingWindow(s, config, w, { attributes })));
const model = stage('ranker fit', () => trainRankerModel(mergeTrainingSets(windows), config.ranker));
const all = Int32Array.from(s.customers.ids.keys());
const lists = stage('rank all customers', () => rankShard(s, artifacts, model, all, config));
const stored = stage('to stored items', () => lists.map((l) => toRankedItems(l.items, s)));
const bytes = stage('JSON of the lists', () =>
  stored.reduce((n, items) => n + JSON.stringify(items).length, 0),
);
console.log(
  `stored lists: ${(bytes / 1e6).toFixed(1)} MB JSON, ${Math.round(bytes / stored.length)} bytes per customer`,
);
stage('item lists', () => productLists(s, artifacts, config.listLength));
const total = rows.slice(1).reduce((n, [, ms]) => n + ms, 0);
for (const [name, ms] of rows) console.log(`${name.padEnd(28)} ${(ms / 1000).toFixed(2).padStart(6)} s`);
console.log(`${'total (without load)'.padEnd(28)} ${(total / 1000).toFixed(2).padStart(6)} s CPU`);
