import type { EvaluationMetrics, EvaluationView } from '@nextbuy/contracts';
import { engineMapOverBacktests, methodSeries } from './evaluations';

const metrics = (map: number): EvaluationMetrics => ({
  k: 12,
  customers: 10,
  map,
  recall: map * 2,
  precision: map / 2,
  ndcg: map * 1.5,
  hitRate: 0.5,
  coverage: 0.1,
});

const evaluation = (id: string, created: string, over: Partial<EvaluationView> = {}): EvaluationView => ({
  evaluation_id: id,
  status: 'done',
  as_of: '2011-11-09T00:00:00.000Z',
  horizon_days: 30,
  k: 12,
  created_at: created,
  finished_at: created,
  error: null,
  report: {
    as_of: '2011-11-09T00:00:00.000Z',
    horizon_days: 30,
    k: 12,
    customers: 10,
    new_customers: 1,
    catalog: 100,
    training_events: 1000,
    rows: [
      { method: 'engine (gbdt ranker)', metrics: metrics(0.2) },
      { method: '  engine, new customers', metrics: metrics(0.1) },
      { method: 'popular', metrics: metrics(0.05) },
    ],
    engine_ms: 100,
    timings: {},
  },
  ...over,
});

describe('methodSeries', () => {
  it('groups a report by method with one series per metric', () => {
    const series = methodSeries(evaluation('1', '2026-01-01T00:00:00Z').report!);
    expect(series.methods).toEqual(['engine (gbdt ranker)', 'engine, new customers', 'popular']);
    expect(series.metrics[0]).toEqual({ key: 'map', label: 'MAP', values: [0.2, 0.1, 0.05] });
    expect(series.metrics.map((m) => m.label)).toEqual([
      'MAP',
      'Recall',
      'Precision',
      'NDCG',
      'Hit rate',
      'Coverage',
    ]);
  });
});

describe('engineMapOverBacktests', () => {
  it('lists finished backtests of the same k, oldest first, with the engine’s MAP', () => {
    const points = engineMapOverBacktests(
      [
        evaluation('3', '2026-01-03T00:00:00Z'),
        evaluation('2', '2026-01-02T00:00:00Z', { status: 'failed', report: null }),
        evaluation('1', '2026-01-01T00:00:00Z'),
        evaluation('4', '2026-01-04T00:00:00Z', { k: 5 }),
      ],
      12,
    );
    expect(points.map((p) => [p.label, p.map])).toEqual([
      ['#1 as of 2011-11-09', 0.2],
      ['#3 as of 2011-11-09', 0.2],
    ]);
  });
});
