import { z } from 'zod';
import { describeJsonType, externalId, storableText } from './records';
import { parseIsoTimestamp } from './timestamp';

/**
 * Shapes of merchandising rules (ingestion: `/v1/rules`, admin). The condition's grammar is the
 * engine's (`parseCondition`); ingestion checks it on top of this shape, so a bad expression is a 400
 * naming the position and the expected token. docs/rules.md documents both.
 */

export const RULE_KIND_NAMES = ['pin', 'boost', 'bury', 'filter'] as const;
export type RuleKindName = (typeof RULE_KIND_NAMES)[number];
export const RULE_FILTER_MODES = ['include', 'exclude'] as const;

export const RULE_LIMITS = {
  maxConditionLength: 2000,
  maxNameLength: 200,
  /** Positions a pin can take: the largest `limit` of an answer. */
  maxPosition: 50,
  maxFactor: 1000,
  maxPriority: 1_000_000,
  /** Rules held at once: every version is compiled whole in every serving replica. */
  maxRules: 1000,
} as const;

/**
 * Redis pub/sub channel on which ingestion announces a rules change: serving re-reads the rules
 * version at once (it also checks it every second). Only a cue, like the build and catalogue channels.
 */
export const RULES_CHANGED_CHANNEL = 'nextbuy:rules-changed';

const isoOrNull = (what: string) =>
  z
    .union([z.string(), z.null()], {
      error: (issue) =>
        `${what} must be an ISO 8601 date-time or null (got ${describeJsonType(issue.input)})`,
    })
    .transform((v, ctx) => {
      if (v === null) return null;
      const ms = parseIsoTimestamp(v);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} must be an ISO 8601 date-time (got ${JSON.stringify(v)})`,
        });
        return z.NEVER;
      }
      return new Date(ms);
    })
    .default(null);

const optionalContextId = (what: string) => externalId(what).optional();

export const ruleContextSchema = z
  .object({
    segment: optionalContextId('context.segment'),
    product_id: optionalContextId('context.product_id'),
    category: optionalContextId('context.category'),
  })
  .strict();

/** `POST /v1/rules` and `PUT /v1/rules/{id}` body (a PUT replaces the whole rule). */
export const ruleInputSchema = z
  .object({
    name: z
      .string({ error: 'name must be a string' })
      .trim()
      .max(RULE_LIMITS.maxNameLength, `name is longer than ${RULE_LIMITS.maxNameLength} characters`)
      .superRefine(storableText('name'))
      .default(''),
    kind: z.enum(RULE_KIND_NAMES, {
      error: (issue) =>
        issue.input === undefined
          ? `kind is required (one of ${RULE_KIND_NAMES.join(', ')})`
          : `kind must be one of ${RULE_KIND_NAMES.join(', ')} (got ${JSON.stringify(issue.input)})`,
    }),
    condition: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? 'condition is required (e.g. "category = \'Outdoor\'")'
            : `condition must be a string (got ${describeJsonType(issue.input)})`,
      })
      .min(1, 'condition is required')
      .max(
        RULE_LIMITS.maxConditionLength,
        `condition is longer than ${RULE_LIMITS.maxConditionLength} characters`,
      )
      .superRefine(storableText('condition')),
    position: z
      .number({ error: (issue) => `position must be a whole number (got ${describeJsonType(issue.input)})` })
      .int('position must be a whole number')
      .min(1, 'position must be at least 1')
      .max(RULE_LIMITS.maxPosition, `position must be at most ${RULE_LIMITS.maxPosition}`)
      .nullable()
      .default(null),
    factor: z
      .number({ error: (issue) => `factor must be a number (got ${describeJsonType(issue.input)})` })
      .gt(1, 'factor must be greater than 1 (boost multiplies the score by it, bury divides it)')
      .max(RULE_LIMITS.maxFactor, `factor must be at most ${RULE_LIMITS.maxFactor}`)
      .nullable()
      .default(null),
    filter: z
      .enum(RULE_FILTER_MODES, {
        error: (issue) => `filter must be include or exclude (got ${JSON.stringify(issue.input)})`,
      })
      .nullable()
      .default(null),
    context: ruleContextSchema.nullable().default(null),
    starts_at: isoOrNull('starts_at'),
    ends_at: isoOrNull('ends_at'),
    priority: z
      .number({ error: (issue) => `priority must be a whole number (got ${describeJsonType(issue.input)})` })
      .int('priority must be a whole number')
      .min(-RULE_LIMITS.maxPriority, `priority must be at least ${-RULE_LIMITS.maxPriority}`)
      .max(RULE_LIMITS.maxPriority, `priority must be at most ${RULE_LIMITS.maxPriority}`)
      .default(0),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const need = (field: 'position' | 'factor' | 'filter', what: string) => {
      if (rule[field] === null)
        ctx.addIssue({ code: 'custom', message: `a ${rule.kind} rule needs ${what}` });
    };
    const forbid = (field: 'position' | 'factor' | 'filter') => {
      if (rule[field] !== null)
        ctx.addIssue({ code: 'custom', message: `${field} does not apply to a ${rule.kind} rule` });
    };
    if (rule.kind === 'pin') {
      need('position', 'position (1 is the first item)');
      forbid('factor');
      forbid('filter');
    } else if (rule.kind === 'filter') {
      need('filter', 'filter (include or exclude)');
      forbid('position');
      forbid('factor');
    } else {
      need('factor', 'factor (a number greater than 1)');
      forbid('position');
      forbid('filter');
    }
    if (rule.starts_at && rule.ends_at && rule.ends_at <= rule.starts_at)
      ctx.addIssue({ code: 'custom', message: 'ends_at must be after starts_at' });
  });
export type RuleInput = z.input<typeof ruleInputSchema>;
export type NewRule = z.output<typeof ruleInputSchema>;

/** `GET /v1/rules/{id}` (and one element of `GET /v1/rules`). */
export interface RuleView {
  rule_id: string;
  name: string;
  kind: RuleKindName;
  condition: string;
  position: number | null;
  factor: number | null;
  filter: 'include' | 'exclude' | null;
  context: { segment?: string; product_id?: string; category?: string } | null;
  starts_at: string | null;
  ends_at: string | null;
  priority: number;
  created_at: string;
  updated_at: string;
}
