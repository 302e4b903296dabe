/**
 * The stages wired together. Each stage is a pure function of the snapshot (and earlier artifacts);
 * the rebuild runs them as separate jobs, tests and benchmarks call `buildAll` in process.
 */

import { DAY_MS, resolveConfig, type EngineConfig } from './config';
import { CandidateGenerator, type CandidateSet, type FeatureArtifacts } from './candidates';
import { buildAttributeGraph, type AttributeGraph } from './features/attributes';
import { buildCustomerAffinities } from './features/affinities';
import { buildItemGraphs } from './features/graphs';
import { buildItemStats } from './features/item-stats';
import { buildCustomerNeighbours } from './features/neighbours';
import { explain, strategyOf, type Reason } from './explain';
import { F, FEATURE_COUNT } from './rank/features';
import { prng } from './random';
import {
  checkLayout,
  rankerContributions,
  rankerScores,
  trainRankerModel,
  type RankerModel,
  type TrainingSet,
} from './rank/ranker';
import { applyRules } from './rules';
import type { Strategy } from './strategies/types';
import { EventType, sliceSnapshot, type Snapshot } from './snapshot';

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

/** Stage timings in milliseconds, filled by the stages when given. */
export type Timings = Record<string, number>;

function timed<T>(timings: Timings | undefined, name: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  if (timings) timings[name] = (timings[name] ?? 0) + performance.now() - t0;
  return out;
}

/** All feature stages (each can run as its own job: they only read the snapshot). */
export function buildFeatureArtifacts(
  s: Snapshot,
  config: EngineConfig,
  timings?: Timings,
  /** Artifacts already built (the attribute graph depends on the catalogue only, not on time). */
  reuse: Partial<FeatureArtifacts> = {},
): FeatureArtifacts {
  return {
    itemStats: reuse.itemStats ?? timed(timings, 'itemStats', () => buildItemStats(s, config)),
    graphs: reuse.graphs ?? timed(timings, 'itemGraphs', () => buildItemGraphs(s, config)),
    attributes: reuse.attributes ?? timed(timings, 'attributeGraph', () => buildAttributeGraph(s, config)),
    affinities:
      reuse.affinities ?? timed(timings, 'customerAffinities', () => buildCustomerAffinities(s, config)),
    neighbours:
      reuse.neighbours ?? timed(timings, 'customerNeighbours', () => buildCustomerNeighbours(s, config)),
  };
}

/** Distinct products each customer purchased in [from, to). */
export function purchasesBetween(s: Snapshot, from: number, to: number): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  const { customer, product, type, ts } = s.events;
  for (let e = 0; e < ts.length; e++) {
    if (type[e] !== EventType.purchase || ts[e]! < from || ts[e]! >= to) continue;
    const c = customer[e]!;
    let set = out.get(c);
    if (!set) out.set(c, (set = new Set()));
    set.add(product[e]!);
  }
  return out;
}

/** Cut (features as of, labels from) of training window w = 1, 2, …: asOf − horizon − (w−1)·stride. */
export function trainingCut(s: Snapshot, config: EngineConfig, window: number): number {
  return s.asOf - (config.horizonDays + (window - 1) * config.ranker.windowStrideDays) * DAY_MS;
}

/**
 * One training window of the ranker (a stage of its own: windows can run in parallel): features as
 * of the window's cut (artifacts rebuilt at that time, unless given in `reuse`), labels = purchases
 * in [cut, cut + horizon) — never beyond asOf. Customers who bought in the window and have at least
 * one bought product among their candidates form queries (the others teach nothing about ordering);
 * all their positives and a seeded sample of their negatives are kept.
 */
export function buildTrainingWindow(
  s: Snapshot,
  config: EngineConfig,
  window: number,
  reuse: Partial<FeatureArtifacts> = {},
  timings?: Timings,
): TrainingSet {
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  const queries: number[] = [];
  let nQueries = 0;
  const rate = config.ranker.negativeSampleRate;
  const rand = prng(config.ranker.seed + window);
  const cut = trainingCut(s, config, window);
  const past = sliceSnapshot(s, cut);
  if (past.events.ts.length > 0) {
    const bought = purchasesBetween(s, cut, cut + config.horizonDays * DAY_MS);
    // Per-customer artifacts only for the customers who form queries (the window's buyers).
    const buyers = Int32Array.from(bought.keys());
    const artifacts = buildFeatureArtifacts(past, config, timings, {
      affinities: timed(timings, 'customerAffinities', () => buildCustomerAffinities(past, config, buyers)),
      neighbours: timed(timings, 'customerNeighbours', () => buildCustomerNeighbours(past, config, buyers)),
      ...reuse,
    });
    timed(timings, 'trainingCandidates', () => {
      const gen = new CandidateGenerator(past, artifacts, config);
      for (const c of [...bought.keys()].sort((a, b) => a - b)) {
        const set = gen.generate(c);
        const basket = bought.get(c)!;
        if (!set.products.some((p) => basket.has(p))) continue;
        for (let i = 0; i < set.products.length; i++) {
          const y = basket.has(set.products[i]!) ? 1 : 0;
          if (y === 0 && rate < 1 && rand() >= rate) continue;
          rows.push(set.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
          labels.push(y);
          queries.push(nQueries);
        }
        nQueries++;
      }
    });
  }
  const x = new Float32Array(rows.length * FEATURE_COUNT);
  rows.forEach((r, i) => x.set(r, i * FEATURE_COUNT));
  return { x, y: Float32Array.from(labels), query: Int32Array.from(queries) };
}

/** Concatenates training sets (queries renumbered so they stay distinct). */
export function mergeTrainingSets(sets: readonly TrainingSet[]): TrainingSet {
  const rows = sets.reduce((n, t) => n + t.y.length, 0);
  const x = new Float32Array(rows * FEATURE_COUNT);
  const y = new Float32Array(rows);
  const query = new Int32Array(rows);
  let at = 0;
  let queryBase = 0;
  for (const t of sets) {
    x.set(t.x, at * FEATURE_COUNT);
    y.set(t.y, at);
    let maxQuery = -1;
    for (let i = 0; i < t.query.length; i++) {
      query[at + i] = queryBase + t.query[i]!;
      maxQuery = Math.max(maxQuery, t.query[i]!);
    }
    at += t.y.length;
    queryBase += maxQuery + 1;
  }
  return { x, y, query };
}

/** The ranker's whole training set: every window, in process (see buildTrainingWindow). */
export function buildTrainingSet(
  s: Snapshot,
  config: EngineConfig,
  timings?: Timings,
  attributes?: AttributeGraph,
): TrainingSet {
  const reuse: Partial<FeatureArtifacts> = {
    attributes: attributes ?? timed(timings, 'attributeGraph', () => buildAttributeGraph(s, config)),
  };
  const windows = config.ranker.trainingWindows;
  if (config.ranker.sharedTrainingGraphs) {
    // One set of item graphs, as of the oldest cut: no window sees its own future.
    reuse.graphs = timed(timings, 'itemGraphs', () =>
      buildItemGraphs(sliceSnapshot(s, trainingCut(s, config, windows)), config),
    );
  }
  const sets: TrainingSet[] = [];
  for (let w = 1; w <= windows; w++) sets.push(buildTrainingWindow(s, config, w, reuse, timings));
  return mergeTrainingSets(sets);
}

/** Ranker training stage: a model trained on the previous horizon's real outcomes. */
export function trainRanker(
  s: Snapshot,
  config: EngineConfig,
  timings?: Timings,
  attributes?: AttributeGraph,
): RankerModel {
  const data = buildTrainingSet(s, config, timings, attributes);
  return timed(timings, 'rankerFit', () => trainRankerModel(data, config.ranker));
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

export interface BuiltEngine {
  snapshot: Snapshot;
  config: EngineConfig;
  artifacts: FeatureArtifacts;
  model: RankerModel;
  timings: Timings;
}

/** Every build stage in process: feature artifacts at asOf and the ranker trained one horizon back. */
export function buildAll(s: Snapshot, config: EngineConfig = resolveConfig()): BuiltEngine {
  const timings: Timings = {};
  const attributes = timed(timings, 'attributeGraph', () => buildAttributeGraph(s, config));
  const trainTimings: Timings = {};
  const model = trainRanker(s, config, trainTimings, attributes);
  for (const [k, v] of Object.entries(trainTimings)) timings[`train.${k}`] = v;
  const artifacts = buildFeatureArtifacts(s, config, timings, { attributes });
  return { snapshot: s, config, artifacts, model, timings };
}

/** One customer's list from a built engine (the real-time refresh path uses the same code). */
export function recommendFor(
  built: BuiltEngine,
  customer: number | string,
  options: RankOptions = {},
): CustomerRecommendations {
  const s = built.snapshot;
  const c = typeof customer === 'number' ? customer : s.customers.ids.indexOf(customer);
  if (c < 0) {
    // Unknown customer: the cold-start answer, ranked like any other customer without history.
    const gen = new CandidateGenerator(s, built.artifacts, built.config);
    const set = gen.generate(s.customers.ids.length);
    return {
      customer: -1,
      customerId: String(customer),
      items: rankCandidates(set, s, built.artifacts, built.model, built.config, options),
    };
  }
  return rankShard(s, built.artifacts, built.model, [c], built.config, options)[0]!;
}
