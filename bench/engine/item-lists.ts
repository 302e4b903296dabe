/**
 * The item-lists stage alone, as its job runs it: a process that holds the snapshot and the graphs
 * it reads (item graphs, attribute graph), then writes every product's packed "similar" and
 * "bought together" lists. CPU seconds per run, and a fingerprint of the packed bytes (keys and
 * lists in order): an exact change leaves it unchanged.
 *   npx tsx bench/engine/item-lists.ts [--data DIR] [--runs 3]
 */
import { createHash } from 'node:crypto';
import { buildAttributeGraph, buildItemGraphs, resolveConfig } from '@nextbuy/engine';
import { productLists } from '../../apps/candidates/src/rebuild/ranked-items';
import { dataDirArg, loadDataset } from './load';

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 3) || 3;
const config = resolveConfig();
const s = loadDataset(dataDirArg());
const artifacts = { graphs: buildItemGraphs(s, config), attributes: buildAttributeGraph(s, config) };
for (let r = 0; r < runs; r++) {
  const t0 = cpu();
  const lists = productLists(s, artifacts, config.listLength);
  const t = cpu() - t0;
  const hash = createHash('sha256');
  let bytes = 0;
  for (const part of [lists.similar, lists.boughtTogether]) {
    hash.update(`|${part.length}|`);
    for (const { key, items } of part) {
      hash.update(key);
      hash.update(items);
      bytes += items.length;
    }
  }
  console.log(
    `item lists ${t.toFixed(2)} s CPU  ${lists.similar.length} similar, ${lists.boughtTogether.length} bought together, ` +
      `${(bytes / 1e6).toFixed(1)} MB  ${hash.digest('hex').slice(0, 16)}`,
  );
}
