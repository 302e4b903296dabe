/**
 * The attribute graph alone: built whole (as `profile-rebuild` and the real-time refresh build it)
 * and as the rebuild's feature jobs build it, in parts (each part's CPU time apart: on two features
 * workers the stage takes about the longest part), then merged. Whole and parts alternate per run;
 * the fingerprint (SHA-256 of the encoded graph) of both must be the same.
 *   npx tsx bench/engine/attribute-graph.ts [--data DIR] [--runs 3] [--parts 2]
 */
import { createHash } from 'node:crypto';
import {
  buildAttributeGraph,
  buildAttributeGraphPart,
  decodeAttributeGraphPart,
  encodeAttributeGraph,
  encodeAttributeGraphPart,
  mergeAttributeGraphParts,
  resolveConfig,
} from '@nextbuy/engine';
import { dataDirArg, loadDataset } from './load';

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const argv = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const runs = arg('runs', 3);
const parts = arg('parts', 2);
const config = resolveConfig();
const s = loadDataset(dataDirArg());
const fingerprint = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);
for (let r = 0; r < runs; r++) {
  let t0 = cpu();
  const whole = encodeAttributeGraph(buildAttributeGraph(s, config));
  const tWhole = cpu() - t0;
  const times: number[] = [];
  const stored: Uint8Array[] = [];
  for (let part = 0; part < parts; part++) {
    t0 = cpu();
    const p = buildAttributeGraphPart(s, config, part, parts);
    stored.push(encodeAttributeGraphPart(p));
    times.push(cpu() - t0);
  }
  t0 = cpu();
  const merged = encodeAttributeGraph(mergeAttributeGraphParts(stored.map(decodeAttributeGraphPart)));
  const tMerge = cpu() - t0;
  console.log(
    `whole ${tWhole.toFixed(2)} s ${fingerprint(whole)}  parts ${times.map((t) => t.toFixed(2)).join(' + ')} s, ` +
      `merge ${tMerge.toFixed(2)} s ${fingerprint(merged)}`,
  );
}
