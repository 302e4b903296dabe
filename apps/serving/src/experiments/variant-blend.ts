import type { Strategy } from '@nextbuy/contracts';

/** What a blend reads of an item (a stored item, or a cached list's). */
type Blendable = { score: number; strategy: Strategy };
type Weights = Partial<Record<Strategy, number>> | undefined;

/** A strategy without a weight keeps its items' scores as they are. */
const NEUTRAL_WEIGHT = 1;

/**
 * A variant's serve-time blend of a stored list: each item's score times its strategy's weight
 * (a weight of 0 drops the strategy), re-ordered by the result; ties keep the stored order. Items keep
 * their stored score (the answer's rank shows the blend). Without weights the list is returned as is.
 */
export function blendList<T extends Blendable>(items: readonly T[], weights: Weights): readonly T[];
export function blendList<T extends Blendable>(items: Iterable<T>, weights: Weights): Iterable<T>;
export function blendList<T extends Blendable>(items: Iterable<T>, weights: Weights): Iterable<T> {
  if (weights === undefined || Object.keys(weights).length === 0) return items;
  const weightOf = (item: T) => weights[item.strategy] ?? NEUTRAL_WEIGHT;
  return [...items]
    .map((item, index) => ({ item, index, blended: item.score * weightOf(item) }))
    .filter(({ item }) => weightOf(item) > 0)
    .sort((a, b) => b.blended - a.blended || a.index - b.index)
    .map(({ item }) => item);
}
