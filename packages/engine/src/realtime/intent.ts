/**
 * Live intent: what the customer's events since the build say about products now (interest, the
 * current session, purchases and returns that end it), the complements it lifts, and its reason texts.
 */

import type { EngineConfig } from '../config';
import type { ItemGraphs } from '../features/graphs';
import type { EventTypeName, Snapshot } from '../snapshot';
import type { RealtimeConfig } from './config';

/** One of the customer's events as stored (Postgres rows; `timestamp` in epoch ms). */
export interface LiveEventRow {
  product_id: string;
  type: EventTypeName;
  timestamp: number;
  order_id?: string | null;
  quantity?: number | null;
  session_id?: string | null;
}

/** Live intent per product: weighted views, clicks and cart adds since the build and since its last purchase. */
export interface Intent {
  weight: number;
  cart: boolean;
  views: number;
}

/**
 * What the customer shows interest in since the build: per product, views, clicks and cart adds
 * (event weights, relative to a purchase) after its last purchase or return, the current session's
 * weighted more. A purchase or a return ends the intent (the ranker's own features take over).
 */
export function liveIntent(
  live: readonly LiveEventRow[],
  productIndex: ReadonlyMap<string, number>,
  config: EngineConfig,
  rt: RealtimeConfig,
): Map<number, Intent> {
  const out = new Map<number, Intent>();
  if (live.length === 0) return out;
  const sessionStart = currentSessionStart(live, rt.sessionGapMinutes);
  const w = config.eventWeights;
  for (let i = 0; i < live.length; i++) {
    const e = live[i]!;
    const p = productIndex.get(e.product_id)!;
    if (e.type === 'purchase' || e.type === 'return') {
      out.delete(p);
      continue;
    }
    const current = i >= sessionStart;
    const x = out.get(p) ?? { weight: 0, cart: false, views: 0 };
    x.weight += (w[e.type] / w.purchase) * (current ? rt.sessionWeight : 1);
    if (e.type === 'cart_add') x.cart = true;
    if (e.type === 'cart_remove') x.cart = false;
    if (current && (e.type === 'view' || e.type === 'click')) x.views++;
    out.set(p, x);
  }
  for (const [p, x] of out) if (x.weight <= 0) out.delete(p);
  return out;
}

/** Index of the first event of the newest session: its session id, else no gap above the timeout. */
function currentSessionStart(live: readonly LiveEventRow[], gapMinutes: number): number {
  const last = live[live.length - 1]!;
  let i = live.length - 1;
  while (i > 0) {
    const prev = live[i - 1]!;
    const sameSession =
      last.session_id && prev.session_id
        ? prev.session_id === last.session_id
        : live[i]!.timestamp - prev.timestamp <= gapMinutes * 60_000;
    if (!sameSession) break;
    i--;
  }
  return i;
}

/** Distinct purchase occasions (orders, or instants without one) per product. */
export function purchaseOccasions(
  events: readonly LiveEventRow[],
  productIndex: ReadonlyMap<string, number>,
): Map<number, number> {
  const seen = new Set<string>();
  const out = new Map<number, number>();
  for (const e of events) {
    if (e.type !== 'purchase') continue;
    const key = `${e.product_id}\u0000${e.order_id ?? `t${e.timestamp}`}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const p = productIndex.get(e.product_id)!;
    out.set(p, (out.get(p) ?? 0) + 1);
  }
  return out;
}

/** Complements of the products of live intent: lift by edge strength relative to the row's strongest. */
export function complementsOf(
  intent: ReadonlyMap<number, Intent>,
  graphs: ItemGraphs,
  rt: RealtimeConfig,
): Map<number, { lift: number; via: number }> {
  const out = new Map<number, { lift: number; via: number }>();
  for (const [p, x] of intent) {
    const strength = rt.complementLift * Math.min(1, x.weight);
    for (const g of [graphs.together, graphs.after]) {
      const lo = g.offsets[p] ?? 0;
      const hi = Math.min(g.offsets[p + 1] ?? lo, lo + rt.complementsPerItem);
      let max = 0;
      for (let k = lo; k < hi; k++) max = Math.max(max, g.vals[k]!);
      for (let k = lo; k < hi; k++) {
        const q = g.cols[k]!;
        if (intent.has(q) || max <= 0) continue;
        const lift = (strength * g.vals[k]!) / max;
        if (lift > (out.get(q)?.lift ?? 0)) out.set(q, { lift, via: p });
      }
    }
  }
  return out;
}

/** The reason of a product of live intent. */
export function ownText(x: Intent): string {
  if (x.cart) return 'in your cart now';
  if (x.views > 1) return `you looked at it ${x.views} times just now`;
  return 'you looked at it just now';
}

/** The reason of a complement of a product of live intent (`via`). */
export function complementText(s: Snapshot, via: number, x: Intent): string {
  const name = s.products.name[via] || s.products.ids[via];
  return `goes with ${name}, which ${x.cart ? 'is in your cart' : 'you looked at just now'}`;
}
