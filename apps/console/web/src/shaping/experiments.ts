import type { ExperimentReport, FunnelStats, RateInterval } from '@nextbuy/contracts';

export const RATES = [
  { key: 'ctr', label: 'CTR' },
  { key: 'add_to_cart_rate', label: 'Add-to-cart rate' },
  { key: 'conversion', label: 'Conversion' },
] as const;
export type RateKey = (typeof RATES)[number]['key'];
export type Breakdown = 'variant' | 'strategy' | 'position';

export interface RatePoint {
  rate: number | null;
  low: number | null;
  high: number | null;
  impressions: number;
}

export interface ReportSeries {
  /** The x axis: variants, strategies or positions. */
  categories: string[];
  /** One series per variant (one in all when the breakdown is by variant). */
  series: { name: string; points: RatePoint[] }[];
}

const point = (stats: FunnelStats | undefined, key: RateKey): RatePoint => {
  const r: RateInterval = stats?.[key] ?? { rate: null, low: null, high: null };
  return { rate: r.rate, low: r.low, high: r.high, impressions: stats?.impressions ?? 0 };
};

/**
 * An experiment's report as chart series with their 95 % intervals: by variant (one bar each), or
 * by strategy or position (a group per category, a bar per variant; a variant without that
 * category gets an empty point).
 */
export function reportSeries(report: ExperimentReport, key: RateKey, by: Breakdown): ReportSeries {
  if (by === 'variant')
    return {
      categories: report.variants.map((v) => v.variant),
      series: [
        { name: RATES.find((r) => r.key === key)!.label, points: report.variants.map((v) => point(v, key)) },
      ],
    };
  const labelOf = (group: { strategy?: string; position?: number }) =>
    by === 'strategy' ? String(group.strategy) : `#${group.position}`;
  const groupsOf = (v: ExperimentReport['variants'][number]) =>
    by === 'strategy' ? v.strategies : v.positions;
  const categories: string[] = [];
  for (const v of report.variants)
    for (const g of groupsOf(v)) if (!categories.includes(labelOf(g))) categories.push(labelOf(g));
  if (by === 'position') categories.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  return {
    categories,
    series: report.variants.map((v) => {
      const groups = new Map<string, FunnelStats>(groupsOf(v).map((g) => [labelOf(g), g]));
      return { name: v.variant, points: categories.map((c) => point(groups.get(c), key)) };
    }),
  };
}

/** The default draft of the create form: a popularity-only control against the engine. */
export const DEFAULT_VARIANTS = [
  { name: 'control', share: 0.5, config: { source: 'popular' } },
  { name: 'engine', share: 0.5 },
];
