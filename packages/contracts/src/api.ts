/** Shapes of the HTTP API (SPEC.md). */

/** Every error answer of every app. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

export interface RejectedItem {
  index: number;
  errors: string[];
}

/** `POST /v1/events` → 202 */
export interface EventsAccepted {
  accepted: number;
  duplicates: number;
  rejected: RejectedItem[];
}

/** `PUT /v1/products`, `PUT /v1/customers` → 200 */
export interface UpsertResult {
  upserted: number;
  /** Of `upserted`: records new to the catalog, and records it already had. */
  inserted: number;
  updated: number;
  rejected: RejectedItem[];
}

/** `POST /v1/rebuilds` → 202 */
export interface RebuildAccepted {
  build_id: string;
}

/** `nextbuy status --json` */
export interface StatusReport {
  counts: { customers: number; products: number; events: number };
  active_build?: BuildView | null;
  builds_in_flight?: BuildView[];
  recent_builds?: BuildView[];
  queues?: Record<string, Record<string, number>>;
}

export interface Reason {
  /** Machine name of the feature, e.g. `repurchase_frequency`. */
  feature: string;
  /** The feature's value for this customer and product. */
  value: number;
  /** Share of the score, 0..1; the reasons of one item sum to 1. */
  attribution: number;
  /** The same in words a merchandiser reads: "bought this 4 times in 90 days". */
  text?: string;
}

export const STRATEGIES = [
  'repurchase',
  'affinity_similar',
  'collaborative',
  'complementary',
  'category_preference',
  'popular',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** One item of a stored, ranked list (what a build writes and serving reads). */
export interface RankedItem {
  product_id: string;
  name: string | null;
  category: string | null;
  score: number;
  rank: number;
  strategy: Strategy;
  reasons: Reason[];
}

/** `GET /v1/customers/{id}/recommendations` → 200 */
export interface RecommendationsResponse {
  customer_id: string;
  build_id: string;
  recommendation_id: string;
  variant: string;
  items: RankedItem[];
}

/** `GET /v1/products/{id}/similar` and `/bought-together` → 200 */
export interface ProductListResponse {
  product_id: string;
  build_id: string;
  items: RankedItem[];
}

/** `trained`: a training build (kind `training`) that ended by storing its model (it never publishes). */
export type BuildStatusName = 'queued' | 'running' | 'failed' | 'published' | 'superseded' | 'trained';

/** `rebuild` publishes lists; `training` only fits a ranker and stores it as a model (`nextbuy train`). */
export type BuildKindName = 'rebuild' | 'training';

export interface StageState {
  status: 'pending' | 'running' | 'done' | 'failed';
  /** 0..1 */
  progress: number;
  started_at?: string;
  finished_at?: string;
  seconds?: number;
  detail?: string;
  /** The process that ran the stage (`host:pid`), last attempt. */
  worker?: string;
}

/** `GET /v1/rebuilds/{id}` and `nextbuy status` */
export interface BuildView {
  build_id: string;
  status: BuildStatusName;
  trigger: string;
  as_of: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  seconds: number | null;
  stages: Record<string, StageState>;
  counts: Record<string, number>;
  config: Record<string, unknown>;
  error: string | null;
  active: boolean;
  /** Absent on records written before models existed: then `rebuild`. */
  kind?: BuildKindName;
  /** The prediction task it builds for (docs/tasks.md); absent on records written before tasks: `default`. */
  task?: string;
  /**
   * The stored model this rebuild ranks with (no training stages then); null when it fits its own
   * ranker (its `ranker` stage; the model it stores names this build) or for a training build.
   */
  model_id?: string | null;
}

/** Key of the popular list over every customer (the cold-start answer), beside the per-segment ones. */
export const GLOBAL_POPULAR_KEY = '*';
