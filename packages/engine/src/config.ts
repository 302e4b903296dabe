/** Every number that shapes a recommendation, named, with the reason for its default. */

import type { EntityFilter, TaskDefinition } from '@nextbuy/contracts';
import type { EventTypeName } from './snapshot';

export const DAY_MS = 86_400_000;

export interface EngineConfig {
  /** Interest carried by one event of each type (negative: the customer backs away from it). */
  eventWeights: Record<EventTypeName, number>;
  /** Half-lives (days) of the continuous recency decay 2^(-age / halfLife). */
  halfLifeDays: {
    /** Own purchases: wholesalers re-order on a cycle of weeks to months. */
    repurchase: number;
    /** Category / attribute affinity: tastes move slower than re-order cycles. */
    affinity: number;
    /** Popularity ("trending"): a month of sales, recent weeks weigh most. */
    popularity: number;
    /** Co-occurrence graphs: relations between products hold for seasons. */
    graph: number;
    /** Recent baskets feeding "bought together": what the customer is shopping for now. */
    basket: number;
  };
  /** Prediction horizon: we answer "what will they buy in the next N days", and train on the last N. */
  horizonDays: number;
  /** Window for a customer's recent activity (orders in the last N days). */
  activityWindowDays: number;
  /** Window of the plain "popular in the last N days" list. */
  popularityWindowDays: number;
  /** Short window compared with the popularity window to find products gaining speed. */
  trendingWindowDays: number;
  /** Candidates each strategy contributes per customer before ranking. */
  candidatesPerStrategy: {
    repurchase: number;
    affinity_similar: number;
    collaborative: number;
    complementary: number;
    category_preference: number;
    popular: number;
  };
  /** Length of each stored list (the serving API can ask for up to 50). */
  listLength: number;
  collaborative: {
    /** Neighbours kept per product: enough to cover baskets, bounded memory (n × k). */
    neighbours: number;
    /** Shrinkage of cosine towards 0 for rare pairs: sim × n / (n + shrinkage). */
    shrinkage: number;
    /** Customers buying more distinct products than this are skipped for pair counting (wholesale
     *  outliers dominate cost quadratically and say little about any one pair). */
    maxItemsPerCustomer: number;
  };
  similarCustomers: {
    /** Nearest customers kept per customer. */
    neighbours: number;
    /** Items bought by more customers than this don't make two customers alike (and cost most). */
    maxBuyers: number;
    /** A customer's strongest items used to find neighbours (bounds cost per customer). */
    seeds: number;
    /** "Lately": neighbours' purchases in the last N days count. */
    recentDays: number;
    /** Candidates proposed from neighbours' recent purchases. */
    candidates: number;
  };
  complementary: {
    /** Orders (or customers, for sequences) needed before a pair counts: below it lift is noise. */
    minSupport: number;
    /** Partners kept per product. */
    neighbours: number;
    /** "Bought after": B counts when bought within this many days after A. */
    sequenceWindowDays: number;
    /** Orders larger than this are skipped for pair counting (quadratic cost, diluted evidence). */
    maxOrderSize: number;
  };
  attributes: {
    /** Similar products kept per product. */
    neighbours: number;
    /** Weights of the attribute overlaps in the similarity. */
    categoryWeight: number;
    brandWeight: number;
    priceBandWeight: number;
    freeAttributeWeight: number;
    /** Words of the product name, the only descriptive text many catalogues have. */
    nameTokenWeight: number;
    /** Price bands are log-spaced: a band spans a factor of this. */
    priceBandRatio: number;
  };
  categoryPreference: {
    /** Top categories of a customer that are searched for products. */
    topCategories: number;
  };
  returns: {
    /** Score multiplier for a product the customer returned (and did not buy again since). */
    returnedByCustomerFactor: number;
    /** Products returned at a rate above this (returns / purchases) are demoted for everyone. */
    highReturnRate: number;
    /** Multiplier applied above that rate. */
    highReturnRateFactor: number;
    /** Purchases needed before a return rate is trusted. */
    minPurchasesForRate: number;
  };
  rules: {
    /** Max share of one category in a list (1 = no cap). */
    maxCategoryShare: number;
  };
  ranker: RankerConfig;
  /** The prediction task (docs/tasks.md), with `horizonDays` and `listLength`: what is predicted, for whom. */
  task: {
    /** Event types whose distinct products are the labels (training, the gate) and the truth (evaluation). */
    targetEventTypes: EventTypeName[];
    /** Who gets a list (the task's entity filter); null: every customer. */
    audience: EntityFilter | null;
  };
}

export interface RankerConfig {
  /** 'gbdt' won on measurement (bench/engine/RESULTS.md); 'linear' stays for comparison. */
  kind: 'gbdt' | 'linear';
  /** GBDT objective: 'lambdarank' orders items within each customer (what MAP measures). */
  objective: 'lambdarank' | 'logloss';
  /** Share of non-bought candidates kept for training (seeded): negatives outnumber positives ~9:1
   *  and are alike, so a sample trains nearly as well in a fraction of the time. */
  negativeSampleRate: number;
  /** Features held at 0 (ablation studies in bench/engine: what does a feature add?). */
  disabledFeatures: string[];
  /** GBDTs averaged (each with its own seed and row sample): steadier rankings. */
  bags: number;
  /** Past horizons the ranker learns from (each one more feature build): more outcomes, steadier model. */
  trainingWindows: number;
  /** Rows one training window keeps at most: past it, a seeded sample of its queries (buyers,
   *  each with all its rows) is kept, so a window's memory is bounded whatever the store's size. */
  maxTrainingRows: number;
  /** Days between the cuts of consecutive training windows (= horizon: back to back). */
  windowStrideDays: number;
  /** Percent of customers (a fixed hash slice) whose outcomes no model trains on: the model gate
   *  compares a new model with the active one on them (rank/holdout.ts). 0 turns the holdout off. */
  holdoutPercent: number;
  /** Build the item graphs once, at the oldest training cut, for every training window (saves a
   *  graph build per extra window; the graphs are a little staler for the recent windows). */
  sharedTrainingGraphs: boolean;
  /** LambdaRank: only pairs with one side in the current top N count (the list is read from the top). */
  truncation: number;
  /** Boosting rounds: accuracy flattens beyond this on the Online Retail backtest. */
  trees: number;
  /** Depth of each tree: pairwise interactions (recency × frequency) need at least 3. */
  depth: number;
  /** Shrinkage per round. */
  learningRate: number;
  /** Minimum hessian mass in a leaf: keeps leaves off a handful of rows. */
  minLeafWeight: number;
  /** L2 on leaf values. */
  l2: number;
  /** Histogram bins per feature (quantile cut points). */
  bins: number;
  /** Fraction of rows sampled per tree (1 = no sampling; deterministic with the seed). */
  rowSample: number;
  /** Seed for every random choice: same data + seed = same model. */
  seed: number;
  /** Linear model (logistic regression on standardised features): L2 and Newton iterations. */
  linearL2: number;
  linearIterations: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  eventWeights: {
    view: 1, // a look: weakest positive signal
    click: 3, // chose to look closer
    cart_add: 5, // intent to buy
    cart_remove: -2, // changed their mind: takes back part of the cart_add
    purchase: 10, // the outcome we predict
    return: -8, // bought and rejected: nearly cancels the purchase
  },
  halfLifeDays: { repurchase: 60, affinity: 90, popularity: 14, graph: 180, basket: 14 },
  horizonDays: 30,
  activityWindowDays: 90, // a quarter: long enough to see a monthly buyer twice
  popularityWindowDays: 30,
  trendingWindowDays: 7,
  candidatesPerStrategy: {
    repurchase: 60,
    affinity_similar: 15,
    collaborative: 30,
    complementary: 20,
    category_preference: 10,
    popular: 20,
  },
  listLength: 50,
  collaborative: { neighbours: 40, shrinkage: 5, maxItemsPerCustomer: 600 },
  similarCustomers: { neighbours: 30, maxBuyers: 300, seeds: 30, recentDays: 30, candidates: 20 },
  complementary: { minSupport: 3, neighbours: 30, sequenceWindowDays: 30, maxOrderSize: 150 },
  attributes: {
    neighbours: 30,
    categoryWeight: 1,
    brandWeight: 0.5,
    priceBandWeight: 0.3,
    freeAttributeWeight: 0.3,
    nameTokenWeight: 0.5,
    priceBandRatio: 2,
  },
  categoryPreference: { topCategories: 3 },
  returns: {
    returnedByCustomerFactor: 0.3,
    highReturnRate: 0.2,
    highReturnRateFactor: 0.5,
    minPurchasesForRate: 20,
  },
  rules: { maxCategoryShare: 1 },
  ranker: {
    kind: 'gbdt',
    objective: 'logloss',
    negativeSampleRate: 0.35, // with 3 windows: more customers beat more negatives per customer (RESULTS.md)
    disabledFeatures: [],
    bags: 1,
    trainingWindows: 3, // measured: 3 back-to-back windows +0.25 MAP over 2 at all three test dates
    maxTrainingRows: 2_000_000, // ~110 MB per window (56 B a row); Online Retail's windows are far below
    windowStrideDays: 30,
    holdoutPercent: 10, // ~150 Online Retail buyers per horizon for the gate; cost measured in BENCHMARKS.md
    sharedTrainingGraphs: false,
    truncation: 1000, // measured: truncating at 30 cost 0.4 MAP points; every candidate pair counts
    trees: 60,
    depth: 5,
    learningRate: 0.1,
    minLeafWeight: 5,
    l2: 1,
    bins: 32,
    rowSample: 0.5, // measured: same MAP as 1 at the three test dates (18.20 vs 18.23 mean), half the histogram work
    seed: 42,
    linearL2: 1, // per-row-normalised data: a light ridge, only to keep the Hessian well conditioned
    linearIterations: 8, // Newton converges in a handful of steps
  },
  // The default task: distinct purchases (with horizonDays and listLength above), every customer.
  task: { targetEventTypes: ['purchase'], audience: null },
};

/** A task's definition as engine settings: the horizon, K as the list length, the target and the audience. */
export function taskEngineOverrides(definition: TaskDefinition): EngineConfigOverrides {
  return {
    horizonDays: definition.target.horizon_days,
    listLength: definition.k,
    task: { targetEventTypes: [...definition.target.event_types], audience: definition.filter },
  };
}

/** Partial configuration, merged one level deep over the defaults. */
export type EngineConfigOverrides = {
  [K in keyof EngineConfig]?: EngineConfig[K] extends object ? Partial<EngineConfig[K]> : EngineConfig[K];
};

export function resolveConfig(overrides: EngineConfigOverrides = {}): EngineConfig {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_ENGINE_CONFIG) as (keyof EngineConfig)[]) {
    const base = DEFAULT_ENGINE_CONFIG[key];
    const over = overrides[key];
    out[key] =
      over === undefined
        ? base
        : typeof base === 'object'
          ? { ...(base as object), ...(over as object) }
          : over;
  }
  return out as unknown as EngineConfig;
}

/** Recency weight of an event `ageMs` old under a half-life in days. */
export function decay(ageMs: number, halfLifeDays: number): number {
  return Math.exp((-Math.max(0, ageMs) * Math.LN2) / (halfLifeDays * DAY_MS));
}
