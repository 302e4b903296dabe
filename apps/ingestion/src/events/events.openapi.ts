import type { SchemaObject } from '@nestjs/swagger';
import { eventRecordSchema, EVENT_TYPES } from '@nextbuy/contracts';
import { describeProperties, openApiSchema } from '@nextbuy/server';

export const EVENT_SCHEMA: SchemaObject = describeProperties(openApiSchema(eventRecordSchema), {
  event_id: 'Makes re-delivery idempotent; without it an id is derived from the content',
  customer_id: 'A customer not in the catalog yet is created as a stub',
  product_id: 'A product not in the catalog yet is created as a stub',
  type: `One of ${EVENT_TYPES.join(', ')}`,
  timestamp: { description: 'ISO 8601; a missing zone means UTC', format: 'date-time' },
});

export const EVENT_EXAMPLES = {
  batch: {
    summary: 'Two events, the second one without an event_id',
    value: [
      {
        event_id: 'evt-1001',
        customer_id: 'c-42',
        product_id: 'p-7',
        type: 'purchase',
        timestamp: '2025-06-01T10:15:00Z',
        order_id: 'o-9',
        quantity: 1,
        price: 19.9,
      },
      { customer_id: 'c-42', product_id: 'p-8', type: 'view', timestamp: '2025-06-01T10:12:00Z' },
    ],
  },
};

export const EVENTS_ACCEPTED_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['accepted', 'duplicates', 'rejected'],
  properties: {
    accepted: { type: 'integer', description: 'Events stored by this request' },
    duplicates: { type: 'integer', description: 'Events whose event_id was already stored' },
    rejected: {
      type: 'array',
      description: 'Invalid items, by their index in the request array; the others were stored',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, errors: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
  example: {
    accepted: 1,
    duplicates: 0,
    rejected: [
      {
        index: 1,
        errors: ['type must be one of view, click, cart_add, cart_remove, purchase, return (got "buy")'],
      },
    ],
  },
};
