/**
 * Similar customers stage: each customer's nearest customers by what they bought (cosine over
 * recency-weighted, IDF-weighted purchase vectors), and every customer's recent purchases. A shard
 * then scores "customers with similar baskets bought it lately" — the item graphs know what goes
 * with what over the whole history, this knows what people like you are buying now (seasons, ranges).
 */

import { DAY_MS, decay, type EngineConfig } from '../config';
import { decodeArtifact, encodeArtifact } from '../codec';
import type { Csr } from '../csr';
import { topKIndices } from '../topk';
import { EventType, indexByCustomer, type Snapshot } from '../snapshot';
import { customerIncidence } from './baskets';

export interface CustomerNeighbours {
  /** customer → most similar customers (vals: cosine in (0, 1]). */
  neighbours: Csr;
  /** customer → products bought in the recent window (vals: recency weight, basket half-life). */
  recent: Csr;
}

const KIND = 'customer-neighbours';
const VERSION = 1;

/** Neighbours of every customer, or only of `customers` (a shard); `recent` always covers everyone. */
export function buildCustomerNeighbours(
  s: Snapshot,
  config: EngineConfig,
  customers?: ArrayLike<number>,
): CustomerNeighbours {
  const nC = s.customers.ids.length;
  const nP = s.products.ids.length;
  const { neighbours: k, maxBuyers, seeds, recentDays } = config.similarCustomers;
  const inc = customerIncidence(s, config.halfLifeDays.affinity);
  // IDF: an item everyone buys says little about whose taste is alike.
  const idf = new Float64Array(nP);
  for (let p = 0; p < nP; p++) {
    const df = inc.itemOffsets[p + 1]! - inc.itemOffsets[p]!;
    idf[p] = df > 0 ? Math.log(1 + nC / df) : 0;
  }
  const w = new Float64Array(inc.items.length);
  const norm = new Float64Array(nC);
  for (let c = 0; c < nC; c++) {
    for (let j = inc.offsets[c]!; j < inc.offsets[c + 1]!; j++) {
      w[j] = inc.weights[j]! * idf[inc.items[j]!]!;
      norm[c]! += w[j]! ** 2;
    }
    norm[c] = Math.sqrt(norm[c]!);
  }
  // Weight of customer v on product p, found through the transpose.
  const wT = new Float64Array(inc.itemRows.length);
  for (let p = 0; p < nP; p++) {
    for (let j = inc.itemOffsets[p]!; j < inc.itemOffsets[p + 1]!; j++) wT[j] = inc.itemWeights[j]! * idf[p]!;
  }

  const wanted = customers ? new Uint8Array(nC) : undefined;
  if (wanted && customers) for (let i = 0; i < customers.length; i++) wanted[customers[i]!] = 1;
  const acc = new Float64Array(nC);
  const touched = new Int32Array(nC);
  const rowVal = new Float64Array(nC);
  const rowCol = new Int32Array(nC);
  const offsets = new Int32Array(nC + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let u = 0; u < nC; u++) {
    if (wanted && !wanted[u]) {
      offsets[u + 1] = cols.length;
      continue;
    }
    // The customer's strongest items are the seeds; items bought by very many are skipped.
    const lo = inc.offsets[u]!;
    const hi = inc.offsets[u + 1]!;
    const seedIdx = topKIndices(w.subarray(lo, hi), inc.items.subarray(lo, hi), hi - lo, seeds);
    let nT = 0;
    for (const si of seedIdx) {
      const j = lo + si;
      const p = inc.items[j]!;
      const a = inc.itemOffsets[p]!;
      const b = inc.itemOffsets[p + 1]!;
      if (b - a > maxBuyers) continue;
      const wu = w[j]!;
      for (let x = a; x < b; x++) {
        const v = inc.itemRows[x]!;
        if (v === u) continue;
        if (acc[v] === 0) touched[nT++] = v;
        acc[v]! += wu * wT[x]!;
      }
    }
    let n = 0;
    for (let i = 0; i < nT; i++) {
      const v = touched[i]!;
      const denom = norm[u]! * norm[v]!;
      if (denom > 0 && acc[v]! > 0) {
        rowCol[n] = v;
        rowVal[n++] = acc[v]! / denom;
      }
      acc[v] = 0;
    }
    for (const i of topKIndices(rowVal, rowCol, n, k)) {
      cols.push(rowCol[i]!);
      vals.push(rowVal[i]!);
    }
    offsets[u + 1] = cols.length;
  }
  return {
    neighbours: { offsets, cols: Int32Array.from(cols), vals: Float32Array.from(vals) },
    recent: recentPurchases(s, config, recentDays),
  };
}

/** customer → distinct products bought in the last `days`, weighted by recency (basket half-life). */
function recentPurchases(s: Snapshot, config: EngineConfig, days: number): Csr {
  const nC = s.customers.ids.length;
  const nP = s.products.ids.length;
  const from = s.asOf - days * DAY_MS;
  const { product, type, ts } = s.events;
  const idx = indexByCustomer(s.events, nC);
  const best = new Float64Array(nP);
  const stamp = new Int32Array(nP).fill(-1);
  const offsets = new Int32Array(nC + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const touched: number[] = [];
  for (let c = 0; c < nC; c++) {
    touched.length = 0;
    for (let k = idx.offsets[c + 1]! - 1; k >= idx.offsets[c]!; k--) {
      const e = idx.rows[k]!;
      if (ts[e]! < from) break;
      if (type[e] !== EventType.purchase) continue;
      const p = product[e]!;
      if (stamp[p] !== c) {
        stamp[p] = c;
        best[p] = 0;
        touched.push(p);
      }
      best[p] = Math.max(best[p]!, decay(s.asOf - ts[e]!, config.halfLifeDays.basket));
    }
    touched.sort((a, b) => a - b);
    for (const p of touched) {
      cols.push(p);
      vals.push(best[p]!);
    }
    offsets[c + 1] = cols.length;
  }
  return { offsets, cols: Int32Array.from(cols), vals: Float32Array.from(vals) };
}

export const encodeCustomerNeighbours = (a: CustomerNeighbours): Uint8Array =>
  encodeArtifact(KIND, VERSION, a);
export const decodeCustomerNeighbours = (b: Uint8Array): CustomerNeighbours =>
  decodeArtifact<CustomerNeighbours>(KIND, VERSION, b);
