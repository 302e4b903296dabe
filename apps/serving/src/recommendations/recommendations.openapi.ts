import type { SchemaObject } from '@nestjs/swagger';
import { STRATEGIES } from '@nextbuy/contracts';
import { DEFAULT_LIMIT, MAX_EXCLUDED, MAX_LIMIT, RECOMMENDATION_TYPES } from './recommendations.query';

export const LIMIT_QUERY = {
  name: 'limit',
  required: false,
  description: `How many items, 1–${MAX_LIMIT}`,
  schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
} as const;

export const RECOMMENDATION_QUERIES = [
  LIMIT_QUERY,
  {
    name: 'type',
    required: false,
    description: 'Only items of one strategy; `all` keeps every strategy',
    schema: { type: 'string', enum: [...RECOMMENDATION_TYPES], default: 'all' },
  },
  {
    name: 'category',
    required: false,
    description: 'Only items of this product category (exact match)',
    schema: { type: 'string' },
  },
  {
    name: 'exclude',
    required: false,
    description: `Comma-separated product ids never to show, e.g. what is already in the cart (at most ${MAX_EXCLUDED})`,
    schema: { type: 'string' },
    example: 'p-7,p-12',
  },
  {
    name: 'product_id',
    required: false,
    description:
      'The product being viewed: it is left out, and what is bought together with it (in the active ' +
      'build) comes first, ahead of the customer’s own list',
    schema: { type: 'string' },
  },
] as const;

const REASON_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['feature', 'value', 'attribution'],
  properties: {
    feature: { type: 'string', description: 'Machine name of the feature, e.g. `repurchase_frequency`' },
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
    variant: { type: 'string', description: 'A/B variant of this answer (`default` for now)' },
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
