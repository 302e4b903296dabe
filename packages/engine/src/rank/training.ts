/**
 * The ranker's training: windows of candidates whose features are as of a past cut, labelled by the
 * purchases of the horizon after it (each window a stage of its own), merged, and the fit on them.
 */

import { CandidateGenerator, type FeatureArtifacts } from '../candidates';
import { DAY_MS, type EngineConfig } from '../config';
import { buildCustomerAffinities } from '../features/affinities';
import { buildFeatureArtifacts } from '../features/artifacts';
import { buildAttributeGraph, type AttributeGraph } from '../features/attributes';
import { buildItemGraphs } from '../features/graphs';
import { buildCustomerNeighbours } from '../features/neighbours';
import { prng } from '../random';
import { EventType, sliceSnapshot, type EventTypeName, type Snapshot } from '../snapshot';
import { taskAudience } from '../tasks/audience';
import { timed, type Timings } from '../timings';
import { FEATURE_COUNT } from './features';
import { GUEST_SEGMENT, HoldoutCollector, isHoldoutCustomer, type HoldoutSet } from './holdout';
import { trainRankerModel, type RankerModel, type TrainingSet } from './ranker';

/** Distinct products each customer purchased in [from, to). */
export function purchasesBetween(s: Snapshot, from: number, to: number): Map<number, Set<number>> {
  return targetEventsBetween(s, from, to, ['purchase']);
}

/**
 * Distinct products each customer had an event of the task's target types with in [from, to): the
 * labels of a training window and of the gate (purchases for the default task).
 */
export function targetEventsBetween(
  s: Snapshot,
  from: number,
  to: number,
  types: readonly EventTypeName[],
): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  const target = new Uint8Array(8);
  for (const t of types) target[EventType[t]] = 1;
  const { customer, product, type, ts } = s.events;
  for (let e = 0; e < ts.length; e++) {
    if (target[type[e]!] !== 1 || ts[e]! < from || ts[e]! >= to) continue;
    const c = customer[e]!;
    let set = out.get(c);
    if (!set) out.set(c, (set = new Set()));
    set.add(product[e]!);
  }
  return out;
}

/** Cut (features as of, labels from) of training window w = 1, 2, …: asOf − horizon − (w−1)·stride. */
export function trainingCut(s: Pick<Snapshot, 'asOf'>, config: EngineConfig, window: number): number {
  return s.asOf - (config.horizonDays + (window - 1) * config.ranker.windowStrideDays) * DAY_MS;
}

/** A training window with the holdout customers' candidates of the same window, for the gate. */
export interface TrainingWindow {
  training: TrainingSet;
  holdout: HoldoutSet;
}

/**
 * One training window of the ranker (a stage of its own: windows can run in parallel): features as
 * of the window's cut (artifacts rebuilt at that time, unless given in `reuse`), labels = the
 * products with an event of the task's target types (purchases by default) in [cut, cut + horizon)
 * — never beyond asOf — for the customers in the task's audience at the cut. Customers who bought in the window and have at least
 * one bought product among their candidates form queries (the others teach nothing about ordering);
 * all their positives and a seeded sample of their negatives are kept. Holdout customers
 * (`ranker.holdoutPercent`) never form training rows. A window that would hold more than
 * `maxTrainingRows` keeps a seeded sample of its queries instead (see `QueryBudget`).
 */
export function buildTrainingWindow(
  s: Snapshot,
  config: EngineConfig,
  window: number,
  reuse: Partial<FeatureArtifacts> = {},
  timings?: Timings,
): TrainingSet {
  return buildTrainingWindowWithHoldout(s, config, window, reuse, timings).training;
}

/**
 * `buildTrainingWindow`, also collecting every candidate of the holdout customers (but guests, who
 * are never evaluated) who bought in the window's horizon: what the model gate scores models on.
 */
export function buildTrainingWindowWithHoldout(
  s: Snapshot,
  config: EngineConfig,
  window: number,
  reuse: Partial<FeatureArtifacts> = {},
  timings?: Timings,
): TrainingWindow {
  const holdout = new HoldoutCollector(s.products.ids.length);
  const percent = config.ranker.holdoutPercent;
  const guest = s.customers.segmentNames.indexOf(GUEST_SEGMENT);
  const budget = new QueryBudget(config.ranker.maxTrainingRows, config.ranker.seed + window);
  const rate = config.ranker.negativeSampleRate;
  const rand = prng(config.ranker.seed + window);
  const cut = trainingCut(s, config, window);
  const past = sliceSnapshot(s, cut);
  if (past.events.ts.length > 0) {
    const bought = targetEventsBetween(
      s,
      cut,
      cut + config.horizonDays * DAY_MS,
      config.task.targetEventTypes,
    );
    // The task's audience as of the cut: only its customers are the task's queries.
    const audience = taskAudience(past, config.task.audience);
    if (audience) for (const c of [...bought.keys()]) if (!audience(c)) bought.delete(c);
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
        const basket = bought.get(c)!;
        if (isHoldoutCustomer(s.customers.ids[c]!, percent)) {
          if (s.customers.segment[c] !== guest) {
            const set = gen.generate(c);
            holdout.add(set.products, set.features, basket);
          }
          continue;
        }
        const set = gen.generate(c);
        if (!set.products.some((p) => basket.has(p))) continue;
        const rows: Float32Array[] = [];
        const labels: number[] = [];
        for (let i = 0; i < set.products.length; i++) {
          const y = basket.has(set.products[i]!) ? 1 : 0;
          if (y === 0 && rate < 1 && rand() >= rate) continue;
          rows.push(set.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
          labels.push(y);
        }
        budget.add(c, rows, labels);
      }
    });
  }
  return { training: budget.trainingSet(), holdout: holdout.finish() };
}

/**
 * A window's queries (one per buyer, in customer order) within a row budget: every query while
 * they fit (the set is then exactly the unbudgeted one); past it, the queries of a seeded random
 * sample of buyers (the lowest priorities), whole, since a ranking loss compares a buyer's rows
 * with each other. Memory stays within the budget as queries are added (the highest priority is
 * evicted first); rows are views into their candidate sets, copied once at the end.
 */
export class QueryBudget {
  private readonly kept: {
    c: number;
    priority: number;
    rows: Float32Array[];
    labels: number[];
    out: boolean;
  }[] = [];
  /** Indices into `kept`, a max-heap by priority: the next query to evict on top. */
  private readonly heap: number[] = [];
  private rows = 0;
  /** Queries left out for the budget (0 when it did not bite). */
  dropped = 0;

  constructor(
    private readonly maxRows: number,
    private readonly seed: number,
  ) {}

  add(c: number, rows: Float32Array[], labels: number[]): void {
    const k = this.kept.push({ c, priority: priorityOf(c, this.seed), rows, labels, out: false }) - 1;
    this.rows += rows.length;
    this.push(k);
    while (this.rows > this.maxRows && this.heap.length > 0) {
      const q = this.kept[this.pop()]!;
      q.out = true;
      this.rows -= q.rows.length;
      q.rows = [];
      q.labels = [];
      this.dropped++;
    }
  }

  trainingSet(): TrainingSet {
    const x = new Float32Array(this.rows * FEATURE_COUNT);
    const y = new Float32Array(this.rows);
    const query = new Int32Array(this.rows);
    let at = 0;
    let q = 0;
    for (const k of this.kept) {
      if (k.out) continue;
      for (let i = 0; i < k.rows.length; i++, at++) {
        x.set(k.rows[i]!, at * FEATURE_COUNT);
        y[at] = k.labels[i]!;
        query[at] = q;
      }
      q++;
    }
    return { x, y, query };
  }

  private higher(a: number, b: number): boolean {
    const pa = this.kept[a]!.priority;
    const pb = this.kept[b]!.priority;
    return pa > pb || (pa === pb && a > b);
  }

  private push(k: number): void {
    const h = this.heap;
    let i = h.push(k) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.higher(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.higher(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.higher(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** A customer's seeded priority in [0, 2^32): a hash, so the sample does not depend on arrival order. */
function priorityOf(c: number, seed: number): number {
  let h = Math.imul(c ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seed, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
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
