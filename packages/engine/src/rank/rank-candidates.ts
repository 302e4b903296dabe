/**
 * Ranking a customer's candidates: scored by the ranker, demoted by the return rules, kept by the
 * list rules and explained; for one shard of customers at once or one customer at a time.
 */

import { CandidateGenerator, type CandidateSet, type FeatureArtifacts } from '../candidates';
import type { EngineConfig } from '../config';
import { explain, strategyOf, type Reason } from '../explain';
import { applyRules } from '../rules';
import type { Snapshot } from '../snapshot';
import type { Strategy } from '../strategies/types';
import { F, FEATURE_COUNT } from './features';
import { checkLayout, rankerContributions, rankerScores, type RankerModel } from './ranker';

export interface RecommendedItem {
  product: number;
  productId: string;
  /** Purchase probability from the ranker, after return demotions. */
  score: number;
  strategy: Strategy;
  reasons: Reason[];
}

export interface CustomerRecommendations {
  customer: number;
  customerId: string;
  items: RecommendedItem[];
}

export interface RankOptions {
  /** Items per list (default: config.listLength). */
  limit?: number;
  /** Products never to show. */
  exclude?: ReadonlySet<number>;
  /** Max share of one category (default: config.rules.maxCategoryShare). */
  maxCategoryShare?: number;
  /** Skip the reason texts (backtests only need the order). */
  withoutReasons?: boolean;
}

/** Scores one candidate set: ranked, ruled, explained. */
export function rankCandidates(
  set: CandidateSet,
  s: Snapshot,
  artifacts: FeatureArtifacts,
  model: RankerModel,
  config: EngineConfig,
  options: RankOptions = {},
): RecommendedItem[] {
  const n = set.products.length;
  const stats = artifacts.itemStats;
  const r = config.returns;
  const scored: { product: number; row: number; score: number }[] = [];
  const raw = new Float64Array(n);
  rankerScores(model, set.features, n, raw);
  for (let i = 0; i < n; i++) {
    const p = set.products[i]!;
    let score = 1 / (1 + Math.exp(-raw[i]!));
    // Return rules: the customer's own return, and products many customers send back.
    if (set.features[i * FEATURE_COUNT + F.returned]! > 0) score *= r.returnedByCustomerFactor;
    if (stats.returnRate[p]! > r.highReturnRate) score *= r.highReturnRateFactor;
    scored.push({ product: p, row: i, score });
  }
  scored.sort((a, b) => b.score - a.score || a.product - b.product);
  const kept = applyRules(scored, s.products, {
    limit: options.limit ?? config.listLength,
    exclude: options.exclude,
    maxCategoryShare: options.maxCategoryShare ?? config.rules.maxCategoryShare,
  });
  const contributions = new Float64Array(FEATURE_COUNT);
  const segment = s.customers.segment[set.customer] ?? -1;
  const viaWidth = set.via.length / Math.max(1, n);
  return kept.map(({ product, row, score }) => {
    rankerContributions(model, set.features, contributions, row * FEATURE_COUNT);
    const foundBy = set.foundBy[row]!;
    return {
      product,
      productId: s.products.ids[product]!,
      score,
      strategy: strategyOf(contributions, foundBy),
      reasons: options.withoutReasons
        ? []
        : explain(
            {
              contributions,
              row: set.features.subarray(row * FEATURE_COUNT, (row + 1) * FEATURE_COUNT),
              via: set.via.subarray(row * viaWidth, (row + 1) * viaWidth),
              product,
              foundBy,
              segment,
            },
            s,
            artifacts.graphs,
          ),
    };
  });
}

/**
 * Candidate/rank stage for one shard of customers. `s` needs only those customers' events (plus the
 * dictionaries); memory is bounded by the shard and the catalogue, not customers × products.
 */
export function rankShard(
  s: Snapshot,
  artifacts: FeatureArtifacts,
  model: RankerModel,
  customers: ArrayLike<number>,
  config: EngineConfig,
  options: RankOptions = {},
): CustomerRecommendations[] {
  return Array.from(rankEach(s, artifacts, model, customers, config, options));
}

/**
 * `rankShard` one customer at a time: a caller that stores each list as it comes (serialised) lets
 * the ranked objects die young, where holding a whole chunk of them promotes them to the old
 * generation (measured in the rebuild's rank shards: BENCHMARKS.md).
 */
export function* rankEach(
  s: Snapshot,
  artifacts: FeatureArtifacts,
  model: RankerModel,
  customers: ArrayLike<number>,
  config: EngineConfig,
  options: RankOptions = {},
): Generator<CustomerRecommendations> {
  checkLayout(model);
  const gen = new CandidateGenerator(s, artifacts, config);
  for (let i = 0; i < customers.length; i++) {
    const c = customers[i]!;
    const items = rankCandidates(gen.generate(c), s, artifacts, model, config, options);
    yield { customer: c, customerId: s.customers.ids[c]!, items };
  }
}
