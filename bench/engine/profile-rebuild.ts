/**
 * CPU time of every rebuild stage's engine work, in process on one core (CPU time rather than wall
 * time, so the figures mean something on a busy machine; the stages' Postgres I/O is not included),
 * and a fingerprint of what each stage produced:
 *   npx tsx bench/engine/profile-rebuild.ts
 * Stages as the rebuild runs them as jobs: feature stages, one job per ranker training window, the
 * fit, ranking every customer (the rank shards together), stored items and their JSON, item lists.
 * The fingerprint is the first 16 hex digits of the SHA-256 of the stage's encoded artifact (or of
 * its output's JSON): a change that claims to be exact (a speed-up) must leave every one unchanged.
 */
import { createHash } from 'node:crypto';
import {
  buildAttributeGraph,
  buildCustomerAffinities,
  buildCustomerNeighbours,
  buildItemGraphs,
  buildItemStats,
  buildTrainingWindow,
  encodeAttributeGraph,
  encodeCustomerAffinities,
  encodeCustomerNeighbours,
  encodeItemGraphs,
  decodeList,
  encodeItemStats,
  encodeList,
  renderItems,
  encodeRanker,
  encodeTrainingSet,
  mergeTrainingSets,
  rankShard,
  resolveConfig,
  trainRankerModel,
  type FeatureArtifacts,
  type TrainingSet,
} from '@nextbuy/engine';
import {
  productLists,
  snapshotDictionary,
  snapshotNames,
  toRankedItems,
  toStoredItems,
} from '../../apps/candidates/src/rebuild/ranked-items';
import { dataDirArg, loadDataset } from './load';

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Of the bytes, or of the concatenation of the pieces (an output whose text is past V8's longest string). */
const fingerprint = (b: Uint8Array | string | Iterable<string>) => {
  const hash = createHash('sha256');
  if (typeof b === 'string' || b instanceof Uint8Array) hash.update(b);
  else for (const piece of b) hash.update(piece);
  return hash.digest('hex').slice(0, 16);
};
const rows: [name: string, ms: number, fingerprint: string][] = [];
/** Runs one stage; `encode` gives the bytes its fingerprint is taken of (outside the timing). */
function stage<T>(name: string, fn: () => T, encode?: (out: T) => Uint8Array | string | Iterable<string>): T {
  const t0 = cpu();
  const out = fn();
  rows.push([name, cpu() - t0, encode ? fingerprint(encode(out)) : '']);
  return out;
}

const config = resolveConfig();
const s = stage('load dataset (bench only)', () => loadDataset(dataDirArg()));
const attributes = stage('attribute-graph', () => buildAttributeGraph(s, config), encodeAttributeGraph);
const artifacts: FeatureArtifacts = {
  itemStats: stage('item-stats', () => buildItemStats(s, config), encodeItemStats),
  graphs: stage('item-graphs', () => buildItemGraphs(s, config), encodeItemGraphs),
  attributes,
  affinities: stage(
    'customer-affinities',
    () => buildCustomerAffinities(s, config),
    encodeCustomerAffinities,
  ),
  neighbours: stage(
    'customer-neighbours',
    () => buildCustomerNeighbours(s, config),
    encodeCustomerNeighbours,
  ),
};
const windows: TrainingSet[] = [];
for (let w = 1; w <= config.ranker.trainingWindows; w++)
  windows.push(
    stage(`ranker window ${w}`, () => buildTrainingWindow(s, config, w, { attributes }), encodeTrainingSet),
  );
const model = stage(
  'ranker fit',
  () => trainRankerModel(mergeTrainingSets(windows), config.ranker),
  encodeRanker,
);
const all = Int32Array.from(s.customers.ids.keys());
const lists = stage(
  'rank all customers',
  () => rankShard(s, artifacts, model, all, config),
  (l) => JSON.stringify(l),
);
const stored = stage('to stored items', () => lists.map((l) => toRankedItems(l.items, s)));
const json = stage(
  'JSON of the lists',
  () => stored.map((items) => JSON.stringify(items)),
  (j) => j.join('\n'),
);
const bytes = json.reduce((n, j) => n + j.length, 0);
console.log(
  `stored lists: ${(bytes / 1e6).toFixed(1)} MB JSON, ${Math.round(bytes / stored.length)} bytes per customer`,
);
// Compact lists (issue #13): each list packed, then checked to read back as the same JSON.
const names = snapshotNames(s);
const dictionary = snapshotDictionary(s);
const segmentOf = (c: number) => s.customers.segmentNames[s.customers.segment[c]!];
const compact = stage(
  'compact lists',
  () =>
    lists.map((l) =>
      encodeList({ items: toStoredItems(l.items, s), segment: segmentOf(l.customer) }, names, dictionary),
    ),
  (c) => Buffer.concat(c),
);
const rendered = stage('render compact lists', () =>
  compact.map((c) => renderItems(decodeList(c, dictionary), names)),
);
const differ = rendered.filter((r, i) => r !== json[i]).length;
const packed = compact.reduce((n, c) => n + c.length, 0);
console.log(
  `compact lists: ${Math.round(packed / compact.length)} bytes per customer; ${differ} of ${compact.length} read back differently`,
);
stage(
  'item lists',
  () => productLists(s, artifacts, config.listLength),
  // The lists come packed: read back as served (worded from the build's catalogue), so the
  // fingerprint is that of the lists as objects — the JSON of `{ similar, boughtTogether }`, hashed
  // piece by piece (a 100k-product catalogue's is longer than a string can be).
  function* (l) {
    const part = (lists: { key: string; items: Buffer }[]) =>
      lists.map(
        ({ key, items }) =>
          `{"key":${JSON.stringify(key)},"items":${renderItems(decodeList(items, dictionary), names)}}`,
      );
    yield '{"similar":[';
    yield* join(part(l.similar));
    yield '],"boughtTogether":[';
    yield* join(part(l.boughtTogether));
    yield ']}';
  },
);
function* join(pieces: string[]): Generator<string> {
  for (let i = 0; i < pieces.length; i++) yield i ? `,${pieces[i]}` : pieces[i]!;
}
const total = rows.slice(1).reduce((n, [, ms]) => n + ms, 0);
for (const [name, ms, print] of rows)
  console.log(`${name.padEnd(28)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${print}`);
console.log(`${'total (without load)'.padEnd(28)} ${(total / 1000).toFixed(2).padStart(6)} s CPU`);
