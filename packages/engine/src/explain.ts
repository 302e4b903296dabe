/**
 * Explanations from the model itself: the ranker's per-feature contributions to this item's score
 * (exact for both model kinds), turned into shares of the positive evidence and into sentences.
 */

import type { ItemGraphs } from './features/graphs';
import { VIA_FEATURES, viaSupport } from './candidates';
import { FEATURES, type ReasonContext } from './rank/features';
import { STRATEGIES, type Strategy } from './strategies/types';
import type { Snapshot } from './snapshot';

export interface Reason {
  /** Feature name (see FEATURES), or "other" for the remaining positive evidence. */
  feature: string;
  value: number;
  /** Share of the item's positive evidence; an item's attributions sum to 1. */
  attribution: number;
  text: string;
  /** The product the text cites (dense index), and the customers or orders behind that link: what a compact list stores to word the text again (`compact-list.ts`). */
  via?: number;
  support?: number;
}

/** Reasons listed per item before the rest is folded into "other signals". */
export const MAX_REASONS = 4;

export interface ExplainInput {
  contributions: Float64Array;
  /** Feature row (FEATURE_COUNT values) and the via products of the row. */
  row: ArrayLike<number>;
  via: ArrayLike<number>;
  product: number;
  /** Strategies that proposed the item (bitmask over STRATEGIES): the fallback when no evidence is positive. */
  foundBy: number;
  segment: number;
}

/** The strategy whose features contributed most positive evidence (ties: STRATEGIES order). */
export function strategyOf(contributions: Float64Array, foundBy: number): Strategy {
  const sums = new Float64Array(STRATEGIES.length);
  for (let i = 0; i < FEATURE_STRATEGY.length; i++) {
    const s = FEATURE_STRATEGY[i]!;
    if (s >= 0 && contributions[i]! > 0) sums[s]! += contributions[i]!;
  }
  let best = -1;
  for (let s = 0; s < STRATEGIES.length; s++)
    if (sums[s]! > 0 && (best < 0 || sums[s]! > sums[best]!)) best = s;
  if (best < 0) for (let s = 0; s < STRATEGIES.length && best < 0; s++) if (foundBy & (1 << s)) best = s;
  return STRATEGIES[Math.max(0, best)]!;
}

/** Evidence groups of the reasons: one per strategy, plus the product's and the customer's own traits. */
const GROUPS = [...STRATEGIES, 'item', 'customer'] as const;
/** Per feature: its index in GROUPS, and in STRATEGIES (-1: not a strategy's). Looked up per item. */
const FEATURE_GROUP = Int8Array.from(FEATURES, (f) => GROUPS.indexOf(f.group));
const FEATURE_STRATEGY = Int8Array.from(FEATURES, (f) => STRATEGIES.indexOf(f.group as Strategy));

/**
 * Reasons of one item. Feature contributions are summed per evidence group (a strategy, the item,
 * the customer); each group with a positive net contribution is one reason, worded by its strongest
 * feature, with the group's share of the positive evidence. Groups beyond MAX_REASONS fold into
 * "other signals", so shares always sum to 1.
 */
export function explain(input: ExplainInput, snapshot: Snapshot, graphs: ItemGraphs): Reason[] {
  const { contributions, row } = input;
  const net = new Float64Array(GROUPS.length);
  const top = new Int32Array(GROUPS.length).fill(-1);
  for (let f = 0; f < FEATURE_GROUP.length; f++) {
    const g = FEATURE_GROUP[f]!;
    net[g]! += contributions[f]!;
    if (contributions[f]! > 0 && (top[g]! < 0 || contributions[f]! > contributions[top[g]!]!)) top[g] = f;
  }
  const groups: number[] = [];
  let total = 0;
  for (let g = 0; g < GROUPS.length; g++) {
    if (net[g]! > 0 && top[g]! >= 0) {
      groups.push(g);
      total += net[g]!;
    }
  }
  const reason = (f: number, attribution: number): Reason => {
    const ctx: ReasonContext = {};
    const v = (VIA_FEATURES as readonly number[]).indexOf(f);
    const from = v >= 0 ? input.via[v]! : -1;
    if (from >= 0) {
      ctx.viaName = snapshot.products.name[from] || snapshot.products.ids[from];
      ctx.support = viaSupport(graphs, f, from, input.product) || undefined;
    }
    const cat = snapshot.products.category[input.product]!;
    if (cat >= 0) ctx.categoryName = snapshot.products.categoryNames[cat];
    if (input.segment >= 0) ctx.segmentName = snapshot.customers.segmentNames[input.segment];
    const out: Reason = {
      feature: FEATURES[f]!.name,
      value: row[f]!,
      attribution,
      text: FEATURES[f]!.text(row[f]!, ctx),
    };
    if (from >= 0) {
      out.via = from;
      if (ctx.support !== undefined) out.support = ctx.support;
    }
    return out;
  };
  if (total <= 0) {
    // No evidence raised the score above the model's baseline: the strategy that found it is the reason.
    const s = strategyOf(contributions, input.foundBy);
    const f = Math.max(
      0,
      FEATURES.findIndex((d) => d.group === s),
    );
    return [reason(f, 1)];
  }
  groups.sort((a, b) => net[b]! - net[a]! || a - b);
  const reasons = groups.slice(0, MAX_REASONS).map((g) => reason(top[g]!, net[g]! / total));
  const listed = reasons.reduce((sum, r) => sum + r.attribution, 0);
  if (groups.length > MAX_REASONS) {
    reasons.push({
      feature: 'other',
      value: groups.length - MAX_REASONS,
      attribution: 1 - listed,
      text: 'other signals',
    });
  } else {
    // Floating-point rest goes to the largest share so the shares sum to exactly 1.
    reasons[0]!.attribution += 1 - listed;
  }
  return reasons;
}
