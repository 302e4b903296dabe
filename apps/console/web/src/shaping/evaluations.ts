import type { EvaluationMetrics, EvaluationReport, EvaluationView } from '@nextbuy/contracts';

/** The metrics a backtest reports per method, in the order the chart draws them. */
export const METRICS: { key: keyof EvaluationMetrics; label: string }[] = [
  { key: 'map', label: 'MAP' },
  { key: 'recall', label: 'Recall' },
  { key: 'precision', label: 'Precision' },
  { key: 'ndcg', label: 'NDCG' },
  { key: 'hitRate', label: 'Hit rate' },
  { key: 'coverage', label: 'Coverage' },
];

export interface MethodSeries {
  /** One per method (engine, baselines, strategies alone), in the report's order. */
  methods: string[];
  /** One per metric: its value for each method, 0..1. */
  metrics: { key: keyof EvaluationMetrics; label: string; values: number[] }[];
}

/** A backtest's report as grouped bars: a group per method, a bar per metric. */
export function methodSeries(report: EvaluationReport): MethodSeries {
  return {
    // Split rows are indented under their parent in the report's text form: trim for labels.
    methods: report.rows.map((r) => r.method.trim()),
    metrics: METRICS.map(({ key, label }) => ({
      key,
      label,
      values: report.rows.map((r) => r.metrics[key]),
    })),
  };
}

/** One point of a MAP@k line: a backtest today; a trained model once models are listed (issue #14). */
export interface MapPoint {
  /** What the point is (a backtest's as-of, a model's id). */
  label: string;
  /** When it was made, ISO. */
  at: string;
  map: number;
  k: number;
}

/**
 * The engine's MAP@k of each finished backtest, oldest first: how ranking quality moved over
 * successive runs. Backtests with another k are left out, so the line compares like with like.
 */
export function engineMapOverBacktests(evaluations: readonly EvaluationView[], k: number): MapPoint[] {
  return (
    evaluations
      .filter((e) => e.status === 'done' && e.report && e.k === k)
      // The report lists the engine first (then its split, baselines and strategies alone).
      .map((e) => ({ e, engine: e.report!.rows[0] }))
      .filter(({ engine }) => engine !== undefined)
      .map(({ e, engine }) => ({
        label: `#${e.evaluation_id} as of ${e.as_of.slice(0, 10)}`,
        at: e.created_at,
        map: engine!.metrics.map,
        k,
      }))
      .sort((a, b) => a.at.localeCompare(b.at))
  );
}
