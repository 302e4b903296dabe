import type { ExperimentView, FunnelRow } from '@nextbuy/contracts';
import { buildReport } from '@nextbuy/engine';
import { reportSeries } from './experiments';

const experiment: ExperimentView = {
  experiment_id: '1',
  name: 'popular vs engine',
  status: 'running',
  variants: [
    { name: 'control', share: 0.5, config: { source: 'popular' } },
    { name: 'engine', share: 0.5, config: { source: 'personal' } },
  ],
  created_at: '2026-01-01T00:00:00Z',
  started_at: '2026-01-01T00:00:00Z',
  stopped_at: null,
};

const row = (variant: string, over: Partial<FunnelRow>): FunnelRow => ({
  variant,
  strategy: null,
  position: null,
  impressions: 0,
  clicks: 0,
  add_to_cart: 0,
  purchases: 0,
  ...over,
});

const report = buildReport(
  experiment,
  new Map([
    ['control', 10],
    ['engine', 10],
  ]),
  [
    row('control', { impressions: 100, clicks: 5 }),
    row('engine', { impressions: 100, clicks: 10 }),
    row('engine', { strategy: 'repurchase', impressions: 60, clicks: 8 }),
    row('engine', { strategy: 'popular', impressions: 40, clicks: 2 }),
    row('control', { strategy: 'popular', impressions: 100, clicks: 5 }),
    row('engine', { position: 2, impressions: 50, clicks: 2 }),
    row('engine', { position: 1, impressions: 50, clicks: 8 }),
  ],
);

describe('reportSeries', () => {
  it('draws one bar per variant with its Wilson interval', () => {
    const { categories, series } = reportSeries(report, 'ctr', 'variant');
    expect(categories).toEqual(['control', 'engine']);
    expect(series).toHaveLength(1);
    const [control, engine] = series[0]!.points;
    expect(control!.rate).toBeCloseTo(0.05);
    expect(engine!.rate).toBeCloseTo(0.1);
    expect(engine!.low!).toBeLessThan(0.1);
    expect(engine!.high!).toBeGreaterThan(0.1);
  });

  it('groups by strategy with a bar per variant, empty where a variant never showed it', () => {
    const { categories, series } = reportSeries(report, 'ctr', 'strategy');
    expect(categories).toEqual(['popular', 'repurchase']);
    expect(series.map((s) => s.name)).toEqual(['control', 'engine']);
    expect(series[0]!.points[1]).toEqual({ rate: null, low: null, high: null, impressions: 0 });
    expect(series[1]!.points[1]!.rate).toBeCloseTo(8 / 60);
  });

  it('orders positions numerically', () => {
    expect(reportSeries(report, 'conversion', 'position').categories).toEqual(['#1', '#2']);
  });
});
