import type {
  ExperimentReport,
  ExperimentView,
  FunnelRow,
  FunnelStats,
  RateInterval,
  VariantReport,
} from '@nextbuy/contracts';

/*
 * An A/B experiment's report from its counts: rates with their confidence intervals, per variant,
 * strategy and position. Serving answers it (`GET /v1/experiments/{id}/report`) and the CLI prints
 * it, both from the same counts.
 */

/** Every interval of a report is at this confidence. */
export const REPORT_CONFIDENCE = 0.95;
/** The standard normal quantile of a two-sided 95 % interval. */
const Z_95 = 1.959963984540054;

/**
 * The Wilson score interval of `successes` in `trials`: unlike the normal approximation it stays
 * inside [0, 1] and behaves at small counts and at rates near 0, where CTRs live.
 */
export function wilson(successes: number, trials: number, z = Z_95): RateInterval {
  if (trials <= 0) return { rate: null, low: null, high: null };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const margin = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { rate: p, low: Math.max(0, centre - margin), high: Math.min(1, centre + margin) };
}

function stats(
  row: Pick<FunnelRow, 'impressions' | 'clicks' | 'add_to_cart' | 'purchases'> | undefined,
): FunnelStats {
  const { impressions = 0, clicks = 0, add_to_cart = 0, purchases = 0 } = row ?? {};
  return {
    impressions,
    clicks,
    add_to_cart,
    purchases,
    ctr: wilson(clicks, impressions),
    add_to_cart_rate: wilson(add_to_cart, impressions),
    conversion: wilson(purchases, impressions),
  };
}

/**
 * One section per variant of the experiment, in its defined order (a variant nobody saw yet reports
 * zeros), each with its strategies and positions.
 */
export function buildReport(
  experiment: ExperimentView,
  served: ReadonlyMap<string, number>,
  funnel: readonly FunnelRow[],
  now = new Date(),
): ExperimentReport {
  const variants: VariantReport[] = experiment.variants.map(({ name }) => {
    const rows = funnel.filter((r) => r.variant === name);
    return {
      variant: name,
      recommendations: served.get(name) ?? 0,
      ...stats(rows.find((r) => r.strategy === null && r.position === null)),
      strategies: rows
        .filter((r) => r.strategy !== null)
        .map((r) => ({ strategy: r.strategy!, ...stats(r) })),
      positions: rows
        .filter((r) => r.position !== null)
        .sort((a, b) => a.position! - b.position!)
        .map((r) => ({ position: r.position!, ...stats(r) })),
    };
  });
  return { experiment, generated_at: now.toISOString(), confidence: REPORT_CONFIDENCE, variants };
}
