import type { SchemaObject } from '@nestjs/swagger';
import { DEFAULT_TASK_QUERY, taskInputSchema } from '@nextbuy/contracts';
import { describeProperties, openApiSchema } from '@nextbuy/server';

const EXAMPLE_TASK = {
  name: 'weekly-carts',
  query:
    "PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('cart_add'), 0, 7, days) RANK TOP 20 FOR EACH customers.customer_id",
};

export const TASK_BODY = {
  schema: describeProperties(openApiSchema(taskInputSchema, { example: EXAMPLE_TASK }), {
    name: 'Lower-case letters, digits, _ and -: the `task` of rebuilds, training, evaluations and `?task=` of serving',
    query:
      'PREDICT LIST_DISTINCT(events.product_id [WHERE type …], 0, HORIZON, days) RANK TOP K FOR EACH ' +
      "customers.customer_id [WHERE segment = 'vip' | COUNT(events WHERE type = 'view', -30, 0, days) > 0 | …] " +
      `(docs/tasks.md). The default task: ${DEFAULT_TASK_QUERY}`,
  }),
};

const ENTITY_FILTER: SchemaObject = {
  type: 'object',
  nullable: true,
  description:
    'Who gets a list (null: every customer): `and`/`or` (items), `not` (item), `compare`/`in` on segment or ' +
    "customer_id, `count` of the customer's events of event_types in [as_of + from_days, as_of + to_days)",
};

export const TASK_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['name', 'query', 'definition', 'created_at'],
  properties: {
    name: { type: 'string' },
    query: { type: 'string' },
    definition: {
      type: 'object',
      required: ['target', 'k', 'filter'],
      properties: {
        target: {
          type: 'object',
          properties: {
            event_types: { type: 'array', items: { type: 'string' } },
            horizon_days: { type: 'integer' },
          },
        },
        k: { type: 'integer', description: 'The stored list length (RANK TOP K)' },
        filter: ENTITY_FILTER,
      },
    },
    created_at: { type: 'string', format: 'date-time' },
  },
  example: {
    ...EXAMPLE_TASK,
    definition: { target: { event_types: ['cart_add'], horizon_days: 7 }, k: 20, filter: null },
    created_at: '2026-12-04T09:00:00.000Z',
  },
};
