import type { GateReport, ModelView } from '@nextbuy/contracts';
import {
  activeModel,
  flattenConfig,
  formatMargin,
  gateSummary,
  mapOverModels,
  modelRows,
  modelsInTraining,
} from './models';

const report = (map: number, active: { map: number; model_id: string } | null, k = 12): GateReport => ({
  horizon: { from: '2011-10-10T00:00:00.000Z', to: '2011-11-09T00:00:00.000Z' },
  k,
  customers: 40,
  holdout_percent: 10,
  tolerance: 0.003,
  candidate: { map, recall: map * 2 },
  active: active && { ...active, recall: active.map * 2 },
  decision: active === null || map >= active.map - 0.003 ? 'activated' : 'refused',
  reason: 'because',
});

const model = (id: string, over: Partial<ModelView> = {}): ModelView => ({
  model_id: id,
  status: 'retired',
  task: 'default',
  build_id: `b${id}`,
  as_of: '2011-11-09T00:00:00.000Z',
  created_at: `2026-12-0${id}T10:00:00.000Z`,
  trained_at: `2026-12-0${id}T10:05:00.000Z`,
  activated_at: null,
  windows: ['2011-09-10T00:00:00.000Z', '2011-10-10T00:00:00.000Z'],
  config: { ranker: { trees: 100, learningRate: 0.1 }, horizonDays: 30 },
  features: ['recency', 'frequency'],
  trained_rows: 1234,
  report: null,
  error: null,
  ...over,
});

describe('models shaping', () => {
  // Newest first, as GET /v1/models answers.
  const models = [
    model('4', { status: 'training', as_of: null, trained_at: null, windows: [], trained_rows: null }),
    model('3', { status: 'candidate', report: report(0.18, { map: 0.21, model_id: '2' }) }),
    model('2', { status: 'active', report: report(0.21, { map: 0.2, model_id: '1' }) }),
    model('1', { report: report(0.2, null) }),
  ];

  it('summarises the gate: both scores, the margin, the tolerance and the verdict', () => {
    expect(gateSummary(report(0.18, { map: 0.21, model_id: '2' }))).toEqual({
      k: 12,
      map: 0.18,
      activeMap: 0.21,
      activeModelId: '2',
      margin: expect.closeTo(-0.03, 10),
      tolerance: 0.003,
      customers: 40,
      decision: 'refused',
      reason: 'because',
    });
    expect(gateSummary(report(0.2, null))).toMatchObject({ activeMap: null, margin: null });
    expect(gateSummary(null)).toBeNull();
  });

  it('lists models newest first, marking the active one and which can be activated', () => {
    const rows = modelRows(models);
    expect(rows.map((r) => [r.id, r.status, r.active, r.canActivate])).toEqual([
      ['4', 'training', false, false],
      ['3', 'candidate', false, true],
      ['2', 'active', true, false],
      ['1', 'retired', false, true],
    ]);
    expect(rows[1]).toMatchObject({ windows: 2, trainedRows: 1234, buildId: 'b3' });
    expect(rows[0]).toMatchObject({ windows: 0, trainedRows: null, gate: null, asOf: null });
    expect(activeModel(models)?.model_id).toBe('2');
    expect(modelsInTraining(models).map((m) => m.model_id)).toEqual(['4']);
  });

  it('draws MAP@k over successive models, oldest first, beside the model each was gated against', () => {
    expect(mapOverModels(models, 12)).toEqual([
      expect.objectContaining({ modelId: '1', map: 0.2, activeMap: null, label: '#1 as of 2011-11-09' }),
      expect.objectContaining({ modelId: '2', map: 0.21, activeMap: 0.2, status: 'active' }),
      expect.objectContaining({ modelId: '3', map: 0.18, activeMap: 0.21 }),
    ]);
    // Another k is another measure: left out.
    expect(mapOverModels([model('5', { report: report(0.3, null, 10) })], 12)).toEqual([]);
  });

  it('orders models trained in the same instant by id', () => {
    const same = '2026-12-01T10:00:00.000Z';
    const points = mapOverModels(
      [
        model('10', { trained_at: same, report: report(0.1, null) }),
        model('9', { trained_at: same, report: report(0.1, null) }),
      ],
      12,
    );
    expect(points.map((p) => p.modelId)).toEqual(['9', '10']);
  });

  it('flattens the configuration to dotted paths, in stored order', () => {
    expect(
      flattenConfig({ ranker: { trees: 100, weights: [1, 2], nested: { on: true } }, name: 'x', none: null }),
    ).toEqual([
      { path: 'ranker.trees', value: '100' },
      { path: 'ranker.weights', value: '[1,2]' },
      { path: 'ranker.nested.on', value: 'true' },
      { path: 'name', value: 'x' },
      { path: 'none', value: 'null' },
    ]);
  });

  it('writes the gate margin in signed MAP points', () => {
    expect(formatMargin(0.0042)).toBe('+0.42 points');
    expect(formatMargin(-0.001)).toBe('−0.10 points');
    expect(formatMargin(0)).toBe('±0.00 points');
  });
});
