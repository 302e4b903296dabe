import type { RankedItem } from '@nextbuy/contracts';

export interface AttributionBar {
  feature: string;
  /** The reason in words when the API rendered one, else the feature's machine name. */
  label: string;
  /** Share of the item's score, 0..1 (an item's shares sum to 1). */
  share: number;
}

/** An item's reasons as bars, largest share first (the API's order among equal shares). */
export function attributionBars(item: Pick<RankedItem, 'reasons'>): AttributionBar[] {
  return item.reasons
    .map((r, i) => ({ bar: { feature: r.feature, label: r.text ?? r.feature, share: r.attribution }, i }))
    .sort((a, b) => b.bar.share - a.bar.share || a.i - b.i)
    .map(({ bar }) => bar);
}

/** Readable strategy names ("affinity_similar" → "affinity similar"). */
export const strategyLabel = (strategy: string) => strategy.replace(/_/g, ' ');

/**
 * What changed between two lists of one customer (the what-if panel): products that entered, and
 * how far each kept product moved (positive: up).
 */
export function listChanges(
  before: readonly Pick<RankedItem, 'product_id' | 'rank'>[],
  after: readonly Pick<RankedItem, 'product_id' | 'rank'>[],
): { entered: Set<string>; moved: Map<string, number> } {
  const was = new Map(before.map((i) => [i.product_id, i.rank]));
  const entered = new Set<string>();
  const moved = new Map<string, number>();
  for (const item of after) {
    const rank = was.get(item.product_id);
    if (rank === undefined) entered.add(item.product_id);
    else if (rank !== item.rank) moved.set(item.product_id, rank - item.rank);
  }
  return { entered, moved };
}
