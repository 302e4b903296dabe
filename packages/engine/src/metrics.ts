/**
 * Backtest metrics over ranked lists. `predicted` are product indices best first; `actual` is the set
 * of distinct products the customer bought in the horizon. Every metric averages over the customers
 * given (the caller passes exactly the customers who bought in the horizon).
 */

/** Average precision at k, normalised by min(|actual|, k) (the Kaggle / README definition). */
export function averagePrecisionAtK(
  predicted: ArrayLike<number>,
  actual: ReadonlySet<number>,
  k: number,
): number {
  if (actual.size === 0) return 0;
  let hits = 0;
  let sum = 0;
  const seen = new Set<number>();
  const n = Math.min(k, predicted.length);
  for (let i = 0; i < n; i++) {
    const p = predicted[i]!;
    if (seen.has(p)) continue;
    seen.add(p);
    if (actual.has(p)) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / Math.min(actual.size, k);
}

function hitsAtK(predicted: ArrayLike<number>, actual: ReadonlySet<number>, k: number): number {
  const seen = new Set<number>();
  let hits = 0;
  for (let i = 0; i < Math.min(k, predicted.length); i++) {
    const p = predicted[i]!;
    if (!seen.has(p) && actual.has(p)) hits++;
    seen.add(p);
  }
  return hits;
}

export function recallAtK(predicted: ArrayLike<number>, actual: ReadonlySet<number>, k: number): number {
  return actual.size === 0 ? 0 : hitsAtK(predicted, actual, k) / actual.size;
}

export function precisionAtK(predicted: ArrayLike<number>, actual: ReadonlySet<number>, k: number): number {
  return hitsAtK(predicted, actual, k) / k;
}

/** Binary-relevance NDCG at k: DCG / ideal DCG with min(|actual|, k) relevant items on top. */
export function ndcgAtK(predicted: ArrayLike<number>, actual: ReadonlySet<number>, k: number): number {
  if (actual.size === 0) return 0;
  let dcg = 0;
  const seen = new Set<number>();
  for (let i = 0; i < Math.min(k, predicted.length); i++) {
    const p = predicted[i]!;
    if (!seen.has(p) && actual.has(p)) dcg += 1 / Math.log2(i + 2);
    seen.add(p);
  }
  let ideal = 0;
  for (let i = 0; i < Math.min(actual.size, k); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

/** The metrics of one method: declared once, in contracts (they are stored and served as they are). */
export type { EvaluationMetrics as BacktestMetrics } from '@nextbuy/contracts';
import type { EvaluationMetrics as BacktestMetrics } from '@nextbuy/contracts';

/**
 * Scores lists against outcomes. `lists.get(c)` is customer c's ranking (missing = empty list);
 * `actual` maps each evaluated customer to the products they bought.
 */
export function evaluateLists(
  lists: ReadonlyMap<number, ArrayLike<number>>,
  actual: ReadonlyMap<number, ReadonlySet<number>>,
  k: number,
  catalogSize: number,
): BacktestMetrics {
  let map = 0;
  let recall = 0;
  let precision = 0;
  let ndcg = 0;
  let hit = 0;
  const recommended = new Set<number>();
  const empty: number[] = [];
  for (const [c, bought] of actual) {
    const list = lists.get(c) ?? empty;
    map += averagePrecisionAtK(list, bought, k);
    recall += recallAtK(list, bought, k);
    precision += precisionAtK(list, bought, k);
    ndcg += ndcgAtK(list, bought, k);
    if (hitsAtK(list, bought, k) > 0) hit++;
    for (let i = 0; i < Math.min(k, list.length); i++) recommended.add(list[i]!);
  }
  const n = actual.size || 1;
  return {
    k,
    customers: actual.size,
    map: map / n,
    recall: recall / n,
    precision: precision / n,
    ndcg: ndcg / n,
    hitRate: hit / n,
    coverage: catalogSize > 0 ? recommended.size / catalogSize : 0,
  };
}
