import { z } from 'zod';
import { describeJsonType, EVENT_TYPES, storableText } from './records';

/**
 * Prediction tasks (issue #17 item 3, docs/tasks.md): a named, stored query such as
 * `PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('cart_add'), 0, 7, days) RANK TOP 20
 * FOR EACH customers.customer_id`. The engine parses the query (`parseTaskQuery`) into the
 * definition below, which is what builds, models and evaluations read. Ingestion checks a query
 * with the parser on top of these shapes, so a bad query is a 400 naming the position and why.
 */

export const DEFAULT_TASK_NAME = 'default';

/** Today's question, as a task: distinct purchases in the next 30 days, top 50, every customer. */
export const DEFAULT_TASK_QUERY =
  "PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('purchase'), 0, 30, days) RANK TOP 50 FOR EACH customers.customer_id";

export const TASK_LIMITS = {
  /** K: the stored list length (the serving API's largest `limit`). */
  maxK: 50,
  /** Longest horizon: a year of future events as labels. */
  maxHorizonDays: 365,
  /** How far back a COUNT in an entity filter may look. */
  maxLookbackDays: 3650,
  maxQueryLength: 2000,
  /** Task names are path segments and query parameters: short, lower case. */
  maxNameLength: 63,
  /** Tasks held at once: each may have an active build and model. */
  maxTasks: 100,
} as const;

export const COMPARE_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type CompareOpName = (typeof COMPARE_OPS)[number];

/** Customer fields an entity filter can test. */
export const ENTITY_FIELDS = ['customer_id', 'segment'] as const;

const eventTypes = z.array(z.enum(EVENT_TYPES)).min(1);

/**
 * Who gets a list (`FOR EACH customers.customer_id WHERE …`): a boolean expression over the
 * customer's fields and COUNTs of their events in a window of days before the build's as-of
 * ([as_of + from_days, as_of + to_days), to_days ≤ 0).
 */
export type EntityFilter =
  | { type: 'and'; items: EntityFilter[] }
  | { type: 'or'; items: EntityFilter[] }
  | { type: 'not'; item: EntityFilter }
  | { type: 'const'; value: boolean }
  | { type: 'compare'; field: (typeof ENTITY_FIELDS)[number]; op: '=' | '!='; value: string | null }
  | { type: 'in'; field: (typeof ENTITY_FIELDS)[number]; values: string[]; negated: boolean }
  | {
      type: 'count';
      event_types: (typeof EVENT_TYPES)[number][];
      from_days: number;
      to_days: number;
      op: CompareOpName;
      value: number;
    };

export const entityFilterSchema: z.ZodType<EntityFilter> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('and'), items: z.array(entityFilterSchema).min(2) }).strict(),
    z.object({ type: z.literal('or'), items: z.array(entityFilterSchema).min(2) }).strict(),
    z.object({ type: z.literal('not'), item: entityFilterSchema }).strict(),
    z.object({ type: z.literal('const'), value: z.boolean() }).strict(),
    z
      .object({
        type: z.literal('compare'),
        field: z.enum(ENTITY_FIELDS),
        op: z.enum(['=', '!=']),
        value: z.string().nullable(),
      })
      .strict(),
    z
      .object({
        type: z.literal('in'),
        field: z.enum(ENTITY_FIELDS),
        values: z.array(z.string()).min(1),
        negated: z.boolean(),
      })
      .strict(),
    z
      .object({
        type: z.literal('count'),
        event_types: eventTypes,
        from_days: z.number().int().min(-TASK_LIMITS.maxLookbackDays),
        to_days: z.number().int().max(0),
        op: z.enum(COMPARE_OPS),
        value: z.number(),
      })
      .strict()
      .refine((c) => c.from_days < c.to_days, 'a COUNT window must end after it starts'),
  ]),
);

/** The typed definition of a task: what the engine, the evaluation and serving read. */
export const taskDefinitionSchema = z
  .object({
    target: z
      .object({
        /** Distinct products with an event of these types in [as_of, as_of + horizon_days) are the labels. */
        event_types: eventTypes,
        horizon_days: z.number().int().min(1).max(TASK_LIMITS.maxHorizonDays),
      })
      .strict(),
    /** Stored list length (RANK TOP K). */
    k: z.number().int().min(1).max(TASK_LIMITS.maxK),
    /** Who gets a list; null: every customer. */
    filter: entityFilterSchema.nullable(),
  })
  .strict();
export type TaskDefinition = z.infer<typeof taskDefinitionSchema>;

export const DEFAULT_TASK_DEFINITION: TaskDefinition = {
  target: { event_types: ['purchase'], horizon_days: 30 },
  k: 50,
  filter: null,
};

export const taskNameSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'name is required'
        : `name must be a string (got ${describeJsonType(issue.input)})`,
  })
  .regex(
    /^[a-z0-9][a-z0-9_-]*$/,
    'name must be lower-case letters, digits, _ or - (starting with a letter or digit), e.g. "weekly-carts"',
  )
  .max(TASK_LIMITS.maxNameLength, `name is longer than ${TASK_LIMITS.maxNameLength} characters`);

/** `POST /v1/tasks` body. */
export const taskInputSchema = z
  .object({
    name: taskNameSchema,
    query: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? 'query is required (e.g. "PREDICT LIST_DISTINCT(events.product_id WHERE type IN (\'cart_add\'), 0, 7, days) RANK TOP 20 FOR EACH customers.customer_id")'
            : `query must be a string (got ${describeJsonType(issue.input)})`,
      })
      .min(1, 'query is required')
      .max(TASK_LIMITS.maxQueryLength, `query is longer than ${TASK_LIMITS.maxQueryLength} characters`)
      .superRefine(storableText('query')),
  })
  .strict();
export type TaskInput = z.input<typeof taskInputSchema>;
export type NewTask = z.output<typeof taskInputSchema>;

/** `GET /v1/tasks/{name}` (and one element of `GET /v1/tasks`). */
export interface TaskView {
  name: string;
  query: string;
  definition: TaskDefinition;
  created_at: string;
}
