import { z } from 'zod';
import { STRATEGIES } from './api';
import { describeJsonType, externalId, storableText } from './records';

/** Shapes of A/B experiments, feedback and their reports (serving: `/v1/experiments`, `/v1/feedback`). */

export const EXPERIMENT_STATUSES = ['draft', 'running', 'stopped'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

/** The variant of every answer given while no experiment runs (and the arm its feedback reports under). */
export const DEFAULT_VARIANT = 'default';

/** Stored in Postgres and sent back by storefronts: never rename one. */
export const FEEDBACK_TYPES = ['impression', 'click', 'add_to_cart', 'purchase'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

/** Where a variant's list comes from: the customer's own ranked list, or the segment/global popular list. */
export const VARIANT_SOURCES = ['personal', 'popular'] as const;
export type VariantSource = (typeof VARIANT_SOURCES)[number];

/** Bounds that keep an experiment readable: a handful of arms, weights within a sane range. */
export const EXPERIMENT_LIMITS = { maxVariants: 10, maxNameLength: 100, maxWeight: 100 } as const;
/** Shares must sum to 1; floats like 0.1 + 0.2 get this much slack. */
export const SHARE_SUM_TOLERANCE = 1e-6;

const strategyWeights = z.record(z.string(), z.unknown()).transform((weights, ctx) => {
  const out: Partial<Record<(typeof STRATEGIES)[number], number>> = {};
  for (const [strategy, weight] of Object.entries(weights)) {
    if (!(STRATEGIES as readonly string[]).includes(strategy)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown strategy ${JSON.stringify(strategy)} (one of ${STRATEGIES.join(', ')})`,
      });
      continue;
    }
    if (typeof weight !== 'number' || !(weight >= 0 && weight <= EXPERIMENT_LIMITS.maxWeight)) {
      ctx.addIssue({
        code: 'custom',
        message: `the weight of ${strategy} must be a number from 0 to ${EXPERIMENT_LIMITS.maxWeight} (got ${JSON.stringify(weight)})`,
      });
      continue;
    }
    out[strategy as (typeof STRATEGIES)[number]] = weight;
  }
  return out;
});

/**
 * How a variant shapes the stored answer at serve time. `source: "popular"` answers the popular
 * list (a popularity-only control); `strategy_weights` multiplies each item's score by its
 * strategy's weight (absent: 1; 0 drops that strategy) and re-orders the list by the result;
 * `rules: false` answers without merchandising rules (absent: rules apply).
 */
export const variantConfigSchema = z
  .object({
    source: z
      .enum(VARIANT_SOURCES, {
        error: (issue) =>
          `source must be one of ${VARIANT_SOURCES.join(', ')} (got ${JSON.stringify(issue.input)})`,
      })
      .default('personal'),
    strategy_weights: strategyWeights.optional(),
    /** `false`: this variant's answers skip merchandising rules (to measure what the rules do). */
    rules: z
      .boolean({ error: (issue) => `rules must be true or false (got ${describeJsonType(issue.input)})` })
      .optional(),
  })
  .strict();
export type VariantConfig = z.output<typeof variantConfigSchema>;

export const variantSchema = z
  .object({
    name: z
      .string({ error: 'variant name must be a string' })
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'variant name must be 1–64 letters, digits, `_`, `.` or `-`'),
    share: z
      .number({ error: (issue) => `share must be a number (got ${describeJsonType(issue.input)})` })
      .gt(0, 'share must be greater than 0')
      .max(1, 'share must be at most 1'),
    config: variantConfigSchema.default({ source: 'personal' }),
  })
  .strict();
export type Variant = z.output<typeof variantSchema>;

/** The variants of one experiment: unique names, shares summing to 1. */
export const variantsSchema = z
  .array(variantSchema, {
    error: (issue) => `variants must be a JSON array (got ${describeJsonType(issue.input)})`,
  })
  .min(1, 'variants must list at least one variant')
  .max(EXPERIMENT_LIMITS.maxVariants, `variants may list at most ${EXPERIMENT_LIMITS.maxVariants}`)
  .superRefine((variants, ctx) => {
    const seen = new Set<string>();
    for (const v of variants) {
      if (seen.has(v.name))
        ctx.addIssue({ code: 'custom', message: `variant name ${JSON.stringify(v.name)} is used twice` });
      seen.add(v.name);
    }
    const sum = variants.reduce((s, v) => s + v.share, 0);
    if (variants.length > 0 && Math.abs(sum - 1) > SHARE_SUM_TOLERANCE)
      ctx.addIssue({
        code: 'custom',
        message: `variant shares must sum to 1 (got ${Number(sum.toFixed(6))})`,
      });
  });

/** `POST /v1/experiments` body (and `nextbuy experiments create`). */
export const createExperimentSchema = z
  .object({
    name: z
      .string({ error: 'name is required (a string)' })
      .trim()
      .min(1, 'name is required')
      .max(
        EXPERIMENT_LIMITS.maxNameLength,
        `name is longer than ${EXPERIMENT_LIMITS.maxNameLength} characters`,
      )
      .superRefine(storableText('name')),
    variants: variantsSchema,
  })
  .strict();
export type CreateExperimentRequest = z.input<typeof createExperimentSchema>;
export type NewExperiment = z.output<typeof createExperimentSchema>;

/** `GET /v1/experiments/{id}` (and one element of `GET /v1/experiments`). */
export interface ExperimentView {
  experiment_id: string;
  name: string;
  status: ExperimentStatus;
  variants: Variant[];
  created_at: string;
  started_at: string | null;
  stopped_at: string | null;
}

/** One feedback event of `POST /v1/feedback` (the body is one of these or an array of them). */
export const feedbackSchema = z
  .object({
    recommendation_id: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? 'recommendation_id is required'
            : `recommendation_id must be a string (got ${describeJsonType(issue.input)})`,
      })
      .trim()
      .pipe(z.uuid({ error: 'recommendation_id must be the UUID a recommendations answer carried' }))
      .transform((v) => v.toLowerCase()),
    customer_id: externalId('customer_id'),
    product_id: externalId('product_id'),
    type: z.enum(FEEDBACK_TYPES, {
      error: (issue) =>
        issue.input === undefined
          ? 'type is required'
          : `type must be one of ${FEEDBACK_TYPES.join(', ')} (got ${JSON.stringify(issue.input)})`,
    }),
  })
  .strict();
export type FeedbackInput = z.input<typeof feedbackSchema>;
export type Feedback = z.output<typeof feedbackSchema>;

/** `POST /v1/feedback` → 202: validated and queued for the next batch write. */
export interface FeedbackAccepted {
  accepted: number;
  rejected: { index: number; errors: string[] }[];
}

/** A rate with its 95 % Wilson score interval; all null when nothing was shown. */
export interface RateInterval {
  rate: number | null;
  low: number | null;
  high: number | null;
}

/**
 * The funnel of shown items: an item counts as shown once per answer (any feedback about it implies it
 * was on screen), and as clicked / added to cart / purchased at most once per answer.
 */
export interface FunnelStats {
  impressions: number;
  clicks: number;
  add_to_cart: number;
  purchases: number;
  /** clicks / impressions */
  ctr: RateInterval;
  /** add_to_cart / impressions */
  add_to_cart_rate: RateInterval;
  /** purchases / impressions */
  conversion: RateInterval;
}

export interface VariantReport extends FunnelStats {
  variant: string;
  /** Answers served under this variant. */
  recommendations: number;
  strategies: (FunnelStats & { strategy: string })[];
  positions: (FunnelStats & { position: number })[];
}

/** `GET /v1/experiments/{id}/report` and `nextbuy experiments report ID --json` */
export interface ExperimentReport {
  experiment: ExperimentView;
  generated_at: string;
  /** The confidence level of every interval. */
  confidence: number;
  variants: VariantReport[];
}

/**
 * One group of an experiment's funnel as the database counts it: a whole variant (`strategy` and
 * `position` null), one strategy of it, or one (1-based) position of it.
 */
export interface FunnelRow {
  variant: string;
  strategy: string | null;
  position: number | null;
  impressions: number;
  clicks: number;
  add_to_cart: number;
  purchases: number;
}
