import type { PathItemObject, SchemaObject } from '@nestjs/swagger';
import { apiKeyOperation, errorResponseObject } from '@nextbuy/server';
import { STRATEGIES } from '@nextbuy/contracts';
import { DEFAULT_LIMIT, MAX_EXCLUDED, MAX_LIMIT, RECOMMENDATION_TYPES } from './recommendations.query';

export const LIMIT_QUERY = {
  name: 'limit',
  required: false,
  description: `How many items, 1–${MAX_LIMIT}`,
  // Examples go inside `schema`: @nestjs/swagger drops a parameter-level one when a schema is given.
  schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, example: 5 },
} as const;

export const MAX_CATEGORY_SHARE_QUERY = {
  name: 'max_category_share',
  required: false,
  description:
    'Diversity: at most max(1, ⌊share × limit⌋) items of one category, 0 < share ≤ 1 (1 is no cap); ' +
    'default: the server’s `MAX_CATEGORY_SHARE` (1 unless set)',
  schema: { type: 'number', exclusiveMinimum: 0, maximum: 1, example: 0.3 },
} as const;

export const RECOMMENDATION_QUERIES = [
  LIMIT_QUERY,
  MAX_CATEGORY_SHARE_QUERY,
  {
    name: 'type',
    required: false,
    description: 'Only items of one strategy; `all` keeps every strategy',
    schema: { type: 'string', enum: [...RECOMMENDATION_TYPES], default: 'all', example: 'all' },
  },
  {
    name: 'category',
    required: false,
    description: 'Only items of this product category (exact match)',
    schema: { type: 'string', example: 'shoes' },
  },
  {
    name: 'exclude',
    required: false,
    description: `Comma-separated product ids never to show, e.g. what is already in the cart (at most ${MAX_EXCLUDED})`,
    schema: { type: 'string', example: 'p-7,p-12' },
  },
  {
    name: 'product_id',
    required: false,
    description:
      'The product being viewed: it is left out, and what is bought together with it (in the active ' +
      'build) comes first, ahead of the customer’s own list',
    schema: { type: 'string', example: 'p-3' },
  },
  {
    name: 'task',
    required: false,
    description:
      "A prediction task (`/v1/tasks` on ingestion, docs/tasks.md): the answer comes from that task's " +
      'published build; a customer outside its audience gets its popular answer. Absent (or `default`): ' +
      'the default task',
    schema: { type: 'string', example: 'weekly-carts' },
  },
] as const;

const REASON_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['feature', 'value', 'attribution'],
  properties: {
    feature: {
      type: 'string',
      description:
        'Machine name of the feature, e.g. `repurchase_frequency`; `rule` when a merchandising rule ' +
        'pinned, promoted or demoted the item (`value` is the rule id, `attribution` 0)',
    },
    value: { type: 'number', description: 'The feature’s value for this customer and product' },
    attribution: { type: 'number', description: 'Share of the score, 0..1; an item’s reasons sum to 1' },
    text: { type: 'string', description: 'The same in words a merchandiser reads' },
  },
};

const ITEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['product_id', 'name', 'category', 'score', 'rank', 'strategy', 'reasons'],
  properties: {
    product_id: { type: 'string' },
    name: { type: 'string', nullable: true },
    category: { type: 'string', nullable: true },
    score: { type: 'number', description: 'The ranker’s score in the build' },
    rank: { type: 'integer', description: '1..n in this answer, after filtering' },
    strategy: { type: 'string', enum: [...STRATEGIES], description: 'The candidate strategy that found it' },
    reasons: { type: 'array', items: REASON_SCHEMA },
  },
};

const EXAMPLE_ITEM = {
  product_id: 'p-7',
  name: 'Trail shoe',
  category: 'shoes',
  score: 0.82,
  rank: 1,
  strategy: 'repurchase',
  reasons: [
    { feature: 'repurchase_frequency', value: 4, attribution: 0.64, text: 'bought this 4 times in 90 days' },
    { feature: 'category_preference', value: 0.7, attribution: 0.36 },
  ],
};

export const RECOMMENDATIONS_RESPONSE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['customer_id', 'build_id', 'recommendation_id', 'variant', 'items'],
  properties: {
    customer_id: { type: 'string' },
    build_id: { type: 'string', description: 'The published build the lists come from' },
    recommendation_id: {
      type: 'string',
      format: 'uuid',
      description: 'New for every answer; send it back with feedback',
    },
    variant: {
      type: 'string',
      description: 'A/B variant of this answer (`default` while no experiment runs)',
    },
    items: { type: 'array', items: ITEM_SCHEMA },
  },
  example: {
    customer_id: 'c-42',
    build_id: '12',
    recommendation_id: '0b5d6c1e-8a4f-4f7e-9d2a-3c1b2a4d5e6f',
    variant: 'default',
    items: [EXAMPLE_ITEM],
  },
};

export const PRODUCT_LIST_RESPONSE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['product_id', 'build_id', 'items'],
  properties: {
    product_id: { type: 'string' },
    build_id: { type: 'string' },
    items: { type: 'array', items: ITEM_SCHEMA },
  },
  example: {
    product_id: 'p-3',
    build_id: '12',
    items: [{ ...EXAMPLE_ITEM, strategy: 'complementary', reasons: [] }],
  },
};

/**
 * `GET /v1/customers/{id}/recommendations`, documented by hand: the route is served outside Nest's
 * controllers (`customer-recommendations.route.ts`), where `@nestjs/swagger` cannot see it.
 */
export const CUSTOMER_RECOMMENDATIONS_OPENAPI: Record<string, PathItemObject> = {
  '/v1/customers/{id}/recommendations': {
    get: {
      tags: ['recommendations'],
      operationId: 'CustomersController_recommend',
      summary: 'What this customer should see',
      description:
        'The customer’s ranked list from the active build, with the reasons behind each item, filtered ' +
        'by the query and re-ranked 1..n. A customer the build has no list for (new, or without history) ' +
        'gets the popular list of their segment, else the global one, with `strategy: "popular"`.',
      parameters: [
        {
          name: 'id',
          in: 'path',
          required: true,
          description: 'The retailer’s customer id',
          schema: { type: 'string', example: 'c-42' },
        },
        ...RECOMMENDATION_QUERIES.map((q) => ({
          ...q,
          in: 'query' as const,
          schema: q.schema as SchemaObject,
        })),
      ],
      security: apiKeyOperation('read').security,
      responses: {
        '200': {
          description: 'The ranked items',
          content: { 'application/json': { schema: RECOMMENDATIONS_RESPONSE_SCHEMA } },
        },
        '400': errorResponseObject(
          400,
          'A query parameter is invalid (`limit` outside 1–50, an unknown `type`, …)',
          {
            message: 'Invalid query parameters: limit must be a whole number from 1 to 50 (got "0")',
            details: { errors: ['limit must be a whole number from 1 to 50 (got "0")'] },
          },
        ),
        ...apiKeyOperation('read').responses,
        '404': errorResponseObject(404, 'The `task` does not exist', {
          message: 'task "weekly" does not exist; GET /v1/tasks on ingestion lists them',
        }),
        '503': errorResponseObject(
          503,
          'No build has been published yet (for the task), or Postgres is unreachable',
          { message: 'no build has been published yet; run a rebuild' },
        ),
      },
    },
  },
};
