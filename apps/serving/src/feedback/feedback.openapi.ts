import type { SchemaObject } from '@nestjs/swagger';
import { FEEDBACK_TYPES } from '@nextbuy/contracts';

const FEEDBACK_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['recommendation_id', 'customer_id', 'product_id', 'type'],
  additionalProperties: false,
  properties: {
    recommendation_id: {
      type: 'string',
      format: 'uuid',
      description: 'The `recommendation_id` of the answer the product was shown in',
    },
    customer_id: { type: 'string', description: 'The customer the answer was for' },
    product_id: { type: 'string', description: 'The product of the answer this event is about' },
    type: { type: 'string', enum: [...FEEDBACK_TYPES] },
  },
};

const EXAMPLE = {
  recommendation_id: '0b5d6c1e-8a4f-4f7e-9d2a-3c1b2a4d5e6f',
  customer_id: 'c-42',
  product_id: 'p-7',
  type: 'click',
};

export const FEEDBACK_BODY = {
  schema: { oneOf: [FEEDBACK_SCHEMA, { type: 'array', items: FEEDBACK_SCHEMA }] },
  examples: {
    one: { summary: 'One event', value: EXAMPLE },
    page: {
      summary: 'A page view: what was shown, and the click that followed',
      value: [
        { ...EXAMPLE, type: 'impression' },
        { ...EXAMPLE, product_id: 'p-12', type: 'impression' },
        EXAMPLE,
      ],
    },
  },
};

export const FEEDBACK_ACCEPTED_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['accepted', 'rejected'],
  properties: {
    accepted: { type: 'integer', description: 'Events queued for the next batch write' },
    rejected: {
      type: 'array',
      description: 'Invalid items of an array body, by index',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, errors: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
  example: {
    accepted: 2,
    rejected: [
      { index: 2, errors: ['type must be one of impression, click, add_to_cart, purchase (got "like")'] },
    ],
  },
};
