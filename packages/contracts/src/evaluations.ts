import { z } from 'zod';

export type EvaluationStatus = 'queued' | 'running' | 'done' | 'failed';

/** Defaults of the dataset README's protocol: the next 30 days, lists of 12. */
export const EVALUATION_DEFAULTS = { horizonDays: 30, k: 12 } as const;
/** Bounds that keep a request meaningful: a horizon within a year, lists the serving API can return. */
export const EVALUATION_LIMITS = { maxHorizonDays: 365, maxK: 100 } as const;

/** `POST /v1/evaluations` body. */
export const evaluationRequestSchema = z
  .object({
    as_of: z.string({ error: 'as_of must be an ISO 8601 date-time string' }),
    horizon_days: z.number().int().min(1).max(EVALUATION_LIMITS.maxHorizonDays).optional(),
    k: z.number().int().min(1).max(EVALUATION_LIMITS.maxK).optional(),
  })
  .strict();
export type EvaluationRequest = z.infer<typeof evaluationRequestSchema>;

/** One method's scores (fractions 0..1, averaged over the evaluated customers). */
export interface EvaluationMetrics {
  k: number;
  customers: number;
  map: number;
  recall: number;
  precision: number;
  ndcg: number;
  /** Share of customers with at least one hit in the top k. */
  hitRate: number;
  /** Distinct products recommended in anyone's top k / catalogue size. */
  coverage: number;
}

export interface EvaluationRow {
  method: string;
  metrics: EvaluationMetrics;
}

/** What a backtest reports (the engine's `backtest`), stored and served as it is. */
export interface EvaluationReport {
  /** The prediction task scored (`nextbuy evaluate --task`); absent: the default task. */
  task?: string;
  as_of: string;
  horizon_days: number;
  k: number;
  /** Customers scored: every non-guest customer (of the task's audience) who purchased (had a target event) in the horizon. */
  customers: number;
  /** Of those, customers without any event before as-of (cold start). */
  new_customers: number;
  /** Catalogue size (coverage denominator). */
  catalog: number;
  /** Events the engine was trained on (all strictly before as-of). */
  training_events: number;
  /** The engine first, then its split, then baselines and strategies alone. */
  rows: EvaluationRow[];
  /** Wall time of the engine (build + ranking), ms. */
  engine_ms: number;
  timings: Record<string, number>;
}

/** `GET /v1/evaluations/{id}` (and one element of `GET /v1/evaluations`). */
export interface EvaluationView {
  evaluation_id: string;
  status: EvaluationStatus;
  as_of: string;
  horizon_days: number;
  k: number;
  created_at: string;
  finished_at: string | null;
  error: string | null;
  report: EvaluationReport | null;
}
