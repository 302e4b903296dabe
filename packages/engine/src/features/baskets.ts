/** Purchase structures shared by the graph stages: orders → items and customers → items (CSR). */

import { decay } from '../config';
import { EventType, indexByCustomer, type Snapshot } from '../snapshot';

/** Rows (orders or customers) → distinct products, with a weight per entry; plus the transpose. */
export interface Incidence {
  /** row → products */
  offsets: Int32Array;
  items: Int32Array;
  weights: Float32Array;
  /** Time of each row (order time; for customers, last purchase) */
  rowTs: Float64Array;
  /** product → rows */
  itemOffsets: Int32Array;
  itemRows: Int32Array;
  itemWeights: Float32Array;
}

function transpose(
  nRows: number,
  nItems: number,
  offsets: Int32Array,
  items: Int32Array,
  weights: Float32Array,
) {
  const itemOffsets = new Int32Array(nItems + 1);
  for (let k = 0; k < items.length; k++) itemOffsets[items[k]! + 1]!++;
  for (let p = 0; p < nItems; p++) itemOffsets[p + 1]! += itemOffsets[p]!;
  const fill = itemOffsets.slice(0, nItems);
  const itemRows = new Int32Array(items.length);
  const itemWeights = new Float32Array(items.length);
  for (let r = 0; r < nRows; r++) {
    for (let k = offsets[r]!; k < offsets[r + 1]!; k++) {
      const at = fill[items[k]!]!++;
      itemRows[at] = r;
      itemWeights[at] = weights[k]!;
    }
  }
  return { itemOffsets, itemRows, itemWeights };
}

/**
 * Orders → distinct purchased products, weighted by the order's recency (graph half-life). Purchases
 * without an order id are grouped per customer and timestamp (one checkout).
 */
export function orderIncidence(s: Snapshot, halfLifeDays: number): Incidence {
  const { customer, product, type, ts, order } = s.events;
  const nP = s.products.ids.length;
  const key = new Map<string | number, number>();
  const rowOf = new Int32Array(product.length).fill(-1);
  const rowTsList: number[] = [];
  const counts: number[] = [];
  for (let e = 0; e < product.length; e++) {
    if (type[e] !== EventType.purchase) continue;
    const o = order[e]!;
    const k = o >= 0 ? o : `${customer[e]!}@${ts[e]!}`;
    let r = key.get(k);
    if (r === undefined) {
      r = rowTsList.length;
      key.set(k, r);
      rowTsList.push(ts[e]!);
      counts.push(0);
    }
    rowOf[e] = r;
    counts[r]!++;
  }
  const nRows = rowTsList.length;
  const offsets = new Int32Array(nRows + 1);
  for (let r = 0; r < nRows; r++) offsets[r + 1] = offsets[r]! + counts[r]!;
  const fill = offsets.slice(0, nRows);
  const raw = new Int32Array(offsets[nRows]!);
  for (let e = 0; e < product.length; e++) if (rowOf[e]! >= 0) raw[fill[rowOf[e]!]!++] = product[e]!;
  // Dedupe products within each order.
  const stamp = new Int32Array(nP).fill(-1);
  const items: number[] = [];
  const outOffsets = new Int32Array(nRows + 1);
  for (let r = 0; r < nRows; r++) {
    for (let k = offsets[r]!; k < offsets[r + 1]!; k++) {
      const p = raw[k]!;
      if (stamp[p] !== r) {
        stamp[p] = r;
        items.push(p);
      }
    }
    outOffsets[r + 1] = items.length;
  }
  const itemsArr = Int32Array.from(items);
  const weights = new Float32Array(itemsArr.length);
  const rowTs = Float64Array.from(rowTsList);
  for (let r = 0; r < nRows; r++) {
    const w = decay(s.asOf - rowTs[r]!, halfLifeDays);
    for (let k = outOffsets[r]!; k < outOffsets[r + 1]!; k++) weights[k] = w;
  }
  return {
    offsets: outOffsets,
    items: itemsArr,
    weights,
    rowTs,
    ...transpose(nRows, nP, outOffsets, itemsArr, weights),
  };
}

/**
 * Customers → distinct purchased products, weighted by the recency of the customer's last purchase of
 * it (graph half-life). Returned-and-not-rebought items are left out: the customer rejected them.
 */
export function customerIncidence(s: Snapshot, halfLifeDays: number): Incidence {
  const { product, type, ts } = s.events;
  const nC = s.customers.ids.length;
  const nP = s.products.ids.length;
  const idx = indexByCustomer(s.events, nC);
  // Per customer, stamps mark the products seen; last purchase / return times decide what is kept.
  const stamp = new Int32Array(nP).fill(-1);
  const lastBuy = new Float64Array(nP);
  const lastReturn = new Float64Array(nP);
  const offsets = new Int32Array(nC + 1);
  const rowTs = new Float64Array(nC).fill(NaN);
  let items = new Int32Array(1 << 16);
  let weights = new Float32Array(1 << 16);
  let n = 0;
  const touched: number[] = [];
  for (let c = 0; c < nC; c++) {
    touched.length = 0;
    for (let k = idx.offsets[c]!; k < idx.offsets[c + 1]!; k++) {
      const e = idx.rows[k]!;
      const ty = type[e]!;
      if (ty !== EventType.purchase && ty !== EventType.return) continue;
      const p = product[e]!;
      if (stamp[p] !== c) {
        stamp[p] = c;
        lastBuy[p] = NaN;
        lastReturn[p] = NaN;
        touched.push(p);
      }
      if (ty === EventType.purchase) lastBuy[p] = ts[e]!;
      else lastReturn[p] = ts[e]!;
    }
    touched.sort((a, b) => a - b);
    for (const p of touched) {
      const t = lastBuy[p]!;
      if (Number.isNaN(t) || lastReturn[p]! >= t) continue;
      if (n === items.length) {
        const i2 = new Int32Array(n * 2);
        i2.set(items);
        items = i2;
        const w2 = new Float32Array(n * 2);
        w2.set(weights);
        weights = w2;
      }
      items[n] = p;
      weights[n] = decay(s.asOf - t, halfLifeDays);
      n++;
      if (!(rowTs[c]! >= t)) rowTs[c] = t;
    }
    offsets[c + 1] = n;
  }
  items = items.slice(0, n);
  weights = weights.slice(0, n);
  return { offsets, items, weights, rowTs, ...transpose(nC, nP, offsets, items, weights) };
}
