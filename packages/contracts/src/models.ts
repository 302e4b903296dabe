/*
 * Models (`GET /v1/models`, `nextbuy models list`): the ranker as a record of its own, trained by a
 * training build or by a rebuild that had no usable model, checked by the gate before it serves.
 */

export const MODEL_STATUSES = ['training', 'candidate', 'active', 'retired', 'failed'] as const;
/**
 * training: its build runs; candidate: trained, not active (refused by the gate, or newer than the
 * active model without a gate); active: rebuilds rank with it (one at most); retired: was active or
 * is older than the active one; failed: its training failed.
 */
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** One model's score on the gate's holdout. */
export interface GateScore {
  /** Mean average precision at k over the holdout customers who bought in the horizon, 0..1. */
  map: number;
  recall: number;
}

/** What the gate measured and decided, stored with the model. */
export interface GateReport {
  /** The horizon scored: [from, to), the last complete one before the model's as-of. */
  horizon: { from: string; to: string };
  k: number;
  /** Holdout customers who bought in the horizon (the same for both models). */
  customers: number;
  /** Share of customers (percent) no model trains on: the gate scores on them. */
  holdout_percent: number;
  /** The new model may trail the active one by this much MAP@k (0..1) and still be activated. */
  tolerance: number;
  candidate: GateScore;
  /** The model active when the gate ran, on the same customers; null when there was none. */
  active: (GateScore & { model_id: string }) | null;
  decision: 'activated' | 'refused' | 'kept';
  /** The decision in words: "MAP@12 21.4 % ≥ 21.6 % − 0.3 points". */
  reason: string;
}

export interface ModelView {
  model_id: string;
  status: ModelStatus;
  /** The prediction task it was trained for (its labels); one active model per task. */
  task: string;
  /** The build that trained it (a training build, or a rebuild that fitted its own ranker). */
  build_id: string | null;
  /** The model saw only events before this time (null until its build's snapshot settles it). */
  as_of: string | null;
  created_at: string;
  trained_at: string | null;
  activated_at: string | null;
  /** Cut of each training window (features as of the cut, labels over the horizon after it). */
  windows: string[];
  /** The engine configuration it was trained with (`ranker` and the horizon matter most). */
  config: Record<string, unknown>;
  /** Feature names in column order: a model applies only to rows of this layout. */
  features: string[];
  trained_rows: number | null;
  report: GateReport | null;
  error: string | null;
}

/** `POST /v1/models/train` */
export interface TrainAccepted {
  build_id: string;
  model_id: string;
}

/** `POST /v1/models/{id}/activate` and `POST /v1/models/rollback` */
export interface ModelActivation {
  model: ModelView;
  /** The model it replaced as active (null when it was already active or none was). */
  replaced: string | null;
}
