/** One customer's own history, summarised per product: the input of every personal strategy. */

import { DAY_MS, decay, type EngineConfig } from './config';
import { EventType, type CustomerIndex, type Snapshot } from './snapshot';

export interface CustomerProfile {
  customer: number;
  /** Products the customer interacted with (any event type). */
  items: Int32Array;
  /** Distinct purchase occasions (orders) of each item. */
  purchases: Float32Array;
  /** Purchases weighted by recency (repurchase half-life), returns demoted: the repurchase score. */
  repurchase: Float32Array;
  /** All interactions, weighted by event type and recency (affinity half-life); may be negative. */
  interest: Float32Array;
  /** Last / first purchase time of each item (NaN: never bought). */
  lastPurchase: Float64Array;
  firstPurchase: Float64Array;
  /** Returns of each item; and whether the latest return came after the latest purchase. */
  returns: Float32Array;
  returnedLast: Uint8Array;
  /** Mean days between this customer's purchases of the item (NaN: bought once or never). */
  meanGapDays: Float32Array;
  /** Purchase occasions of each item in the last horizon and in the activity window. */
  purchasesHorizon: Float32Array;
  purchasesActivity: Float32Array;
  /** Orders the customer placed after the last purchase of each item (NaN: never bought). */
  ordersSince: Float32Array;
  /** Purchase occasions of each item among the customer's last RECENT_ORDERS orders. */
  inRecentOrders: Float32Array;
  /** Total quantity bought. */
  quantity: Float32Array;
  /** Distinct orders of any product, first and last event time. */
  orders: number;
  firstTs: number;
  lastOrderTs: number;
  /** Orders in the activity window (config.activityWindowDays). */
  recentOrders: number;
  /** Mean days between the customer's orders (NaN: fewer than two). */
  meanOrderGapDays: number;
  /** Items of orders in the last `horizonDays` (recent baskets), with recency weights. */
  recentItems: Int32Array;
  recentWeights: Float32Array;
}

/** "Recent orders" of a customer: how many of the last few baskets contain an item. */
export const RECENT_ORDERS = 5;

/** Builds the profile of customer `c` from its events (`index` groups the snapshot's events by customer). */
export function buildProfile(
  s: Snapshot,
  index: CustomerIndex,
  c: number,
  config: EngineConfig,
): CustomerProfile {
  const { product, type, ts, order, quantity } = s.events;
  const asOf = s.asOf;
  const w = config.eventWeights;
  const weightOf = [w.view, w.click, w.cart_add, w.cart_remove, w.purchase, w.return];
  const unit = w.purchase;
  const local = new Map<number, number>();
  const items: number[] = [];
  const purchases: number[] = [];
  const repurchase: number[] = [];
  const interest: number[] = [];
  const lastPurchase: number[] = [];
  const firstPurchase: number[] = [];
  const lastOrderOf: number[] = [];
  const returns: number[] = [];
  const lastReturn: number[] = [];
  const gapSum: number[] = [];
  const qty: number[] = [];
  const inHorizon: number[] = [];
  const inActivity: number[] = [];
  const orderKeys = new Map<number | string, number>();
  const lastOrdinal: number[] = [];
  const ordinals: number[][] = [];
  let lastOrderTs = NaN;
  let firstOrderTs = NaN;
  let firstTs = NaN;
  const recentStart = asOf - config.horizonDays * DAY_MS;
  const activityStart = asOf - config.activityWindowDays * DAY_MS;
  let recentOrders = 0;
  const recent = new Map<number, number>();

  for (let k = index.offsets[c]!; k < index.offsets[c + 1]!; k++) {
    const e = index.rows[k]!;
    const p = product[e]!;
    const t = ts[e]!;
    const ty = type[e]!;
    if (Number.isNaN(firstTs)) firstTs = t;
    let i = local.get(p);
    if (i === undefined) {
      i = items.length;
      local.set(p, i);
      items.push(p);
      purchases.push(0);
      repurchase.push(0);
      interest.push(0);
      lastPurchase.push(NaN);
      firstPurchase.push(NaN);
      lastOrderOf.push(-2);
      returns.push(0);
      lastReturn.push(NaN);
      gapSum.push(0);
      qty.push(0);
      inHorizon.push(0);
      inActivity.push(0);
      lastOrdinal.push(NaN);
      ordinals.push([]);
    }
    interest[i]! += ((weightOf[ty] ?? 0) / unit) * decay(asOf - t, config.halfLifeDays.affinity);
    if (ty === EventType.return) {
      returns[i]!++;
      lastReturn[i] = t;
      continue;
    }
    if (ty !== EventType.purchase) continue;
    const o = order[e]!;
    const newOccasion = o !== lastOrderOf[i] || (o === -1 && t !== lastPurchase[i]);
    qty[i]! += quantity[e]!;
    if (!newOccasion) continue;
    const orderKey = o >= 0 ? o : `t${t}`;
    let ordinal = orderKeys.get(orderKey);
    if (ordinal === undefined) {
      ordinal = orderKeys.size;
      orderKeys.set(orderKey, ordinal);
      if (Number.isNaN(firstOrderTs)) firstOrderTs = t;
      lastOrderTs = t;
      if (t >= activityStart) recentOrders++;
    }
    if (!Number.isNaN(lastPurchase[i]!)) gapSum[i]! += (t - lastPurchase[i]!) / DAY_MS;
    else firstPurchase[i] = t;
    purchases[i]!++;
    if (t >= recentStart) inHorizon[i]!++;
    if (t >= activityStart) inActivity[i]!++;
    repurchase[i]! += decay(asOf - t, config.halfLifeDays.repurchase);
    lastPurchase[i] = t;
    lastOrderOf[i] = o;
    lastOrdinal[i] = ordinal;
    const its = ordinals[i]!;
    its.push(ordinal);
    if (its.length > RECENT_ORDERS) its.shift();
    if (t >= recentStart)
      recent.set(p, Math.max(recent.get(p) ?? 0, decay(asOf - t, config.halfLifeDays.basket)));
  }

  const n = items.length;
  // Plain loops rather than TypedArray.from with a map function (slow: the iterator protocol).
  const ordersSince = new Float32Array(n);
  const inRecentOrders = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ordersSince[i] = orderKeys.size - 1 - lastOrdinal[i]!;
    let recent = 0;
    for (const o of ordinals[i]!) if (o >= orderKeys.size - RECENT_ORDERS) recent++;
    inRecentOrders[i] = recent;
  }
  const out: CustomerProfile = {
    customer: c,
    items: Int32Array.from(items),
    purchases: Float32Array.from(purchases),
    repurchase: Float32Array.from(repurchase),
    interest: Float32Array.from(interest),
    lastPurchase: Float64Array.from(lastPurchase),
    firstPurchase: Float64Array.from(firstPurchase),
    returns: Float32Array.from(returns),
    returnedLast: new Uint8Array(n),
    meanGapDays: new Float32Array(n),
    quantity: Float32Array.from(qty),
    purchasesHorizon: Float32Array.from(inHorizon),
    purchasesActivity: Float32Array.from(inActivity),
    ordersSince,
    inRecentOrders,
    orders: orderKeys.size,
    recentOrders,
    firstTs,
    lastOrderTs,
    meanOrderGapDays:
      orderKeys.size >= 2 ? (lastOrderTs - firstOrderTs) / DAY_MS / (orderKeys.size - 1) : NaN,
    recentItems: Int32Array.from(recent.keys()),
    recentWeights: Float32Array.from(recent.values()),
  };
  for (let i = 0; i < n; i++) {
    const returnedLast = returns[i]! > 0 && !(lastPurchase[i]! > lastReturn[i]!);
    out.returnedLast[i] = returnedLast ? 1 : 0;
    if (returnedLast) out.repurchase[i]! *= config.returns.returnedByCustomerFactor;
    out.meanGapDays[i] = purchases[i]! >= 2 ? gapSum[i]! / (purchases[i]! - 1) : NaN;
  }
  return out;
}
