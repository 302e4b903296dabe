import type { ExperimentView } from '@nextbuy/contracts';
import { buildReport, wilson } from './experiment-report';

describe('wilson', () => {
  it('matches published values', () => {
    // 10 of 100: 0.0552–0.1744 (Wilson 1927; Newcombe 1998, table I).
    const i = wilson(10, 100);
    expect(i.rate).toBe(0.1);
    expect(i.low).toBeCloseTo(0.0552, 4);
    expect(i.high).toBeCloseTo(0.1744, 4);
  });

  it('stays inside [0, 1] at the edges, and is null without trials', () => {
    expect(wilson(0, 10)).toEqual({ rate: 0, low: 0, high: expect.closeTo(0.2775, 4) });
    expect(wilson(10, 10).high).toBeCloseTo(1, 12);
    expect(wilson(0, 0)).toEqual({ rate: null, low: null, high: null });
  });
});

describe('buildReport', () => {
  const experiment: ExperimentView = {
    experiment_id: '1',
    name: 'popular-vs-engine',
    status: 'running',
    variants: [
      { name: 'control', share: 0.5, config: { source: 'popular' } },
      { name: 'engine', share: 0.5, config: { source: 'personal' } },
    ],
    created_at: '2025-01-01T00:00:00.000Z',
    started_at: '2025-01-01T00:00:00.000Z',
    stopped_at: null,
  };

  it('reports every variant in order, zeros for one without data', () => {
    const report = buildReport(
      experiment,
      new Map([['engine', 4]]),
      [
        {
          variant: 'engine',
          strategy: null,
          position: null,
          impressions: 8,
          clicks: 2,
          add_to_cart: 1,
          purchases: 1,
        },
        {
          variant: 'engine',
          strategy: 'repurchase',
          position: null,
          impressions: 8,
          clicks: 2,
          add_to_cart: 1,
          purchases: 1,
        },
        {
          variant: 'engine',
          strategy: null,
          position: 2,
          impressions: 4,
          clicks: 0,
          add_to_cart: 0,
          purchases: 0,
        },
        {
          variant: 'engine',
          strategy: null,
          position: 1,
          impressions: 4,
          clicks: 2,
          add_to_cart: 1,
          purchases: 1,
        },
      ],
      new Date('2025-02-01T00:00:00Z'),
    );
    expect(report.generated_at).toBe('2025-02-01T00:00:00.000Z');
    expect(report.variants.map((v) => [v.variant, v.recommendations, v.impressions])).toEqual([
      ['control', 0, 0],
      ['engine', 4, 8],
    ]);
    expect(report.variants[0]!.ctr).toEqual({ rate: null, low: null, high: null });
    const engine = report.variants[1]!;
    expect(engine.ctr.rate).toBe(0.25);
    expect(engine.conversion.rate).toBe(0.125);
    expect(engine.strategies.map((s) => s.strategy)).toEqual(['repurchase']);
    expect(engine.positions.map((p) => [p.position, p.clicks])).toEqual([
      [1, 2],
      [2, 0],
    ]);
  });
});
