import type { SchemaObject } from '@nestjs/swagger';
import { customerRecordSchema, productRecordSchema } from '@nextbuy/contracts';
import { describeProperties, openApiSchema } from '@nextbuy/server';

export const PRODUCT_SCHEMA: SchemaObject = describeProperties(
  openApiSchema(productRecordSchema, {
    description: 'Any other field is kept as a product attribute. A field left out keeps its stored value.',
  }),
  {
    available: 'true or false (default true for a new product)',
    attributes: 'Merged key by key into the stored attributes',
  },
);

export const CUSTOMER_SCHEMA: SchemaObject = describeProperties(
  openApiSchema(customerRecordSchema, {
    description: 'Any other field is kept as a customer attribute. A field left out keeps its stored value.',
  }),
  { signup_date: { description: 'ISO 8601', format: 'date-time' } },
);

export const PRODUCT_EXAMPLES = {
  catalog: {
    summary: 'Two products, one with a free attribute',
    value: [
      {
        product_id: 'p-7',
        name: 'Trail shoe',
        category: 'shoes',
        brand: 'Acme',
        price: 89.5,
        available: true,
      },
      { product_id: 'p-8', name: 'Wool socks', category: 'socks', price: 9.9, colour: 'grey' },
    ],
  },
};

export const CUSTOMER_EXAMPLES = {
  customers: {
    summary: 'Two customers',
    value: [
      { customer_id: 'c-42', segment: 'loyal', signup_date: '2023-03-14' },
      { customer_id: 'c-43', segment: 'new', newsletter: true },
    ],
  },
};

export const UPSERT_RESULT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['upserted', 'rejected'],
  properties: {
    upserted: {
      type: 'integer',
      description: 'Valid records applied (the last one wins when an id repeats)',
    },
    inserted: { type: 'integer', description: 'Records that were new' },
    updated: {
      type: 'integer',
      description: 'Stored records that changed (unchanged ones are not rewritten)',
    },
    rejected: {
      type: 'array',
      description: 'Invalid items, by their index in the request array; the others were applied',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, errors: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
  example: {
    upserted: 1,
    inserted: 1,
    updated: 0,
    rejected: [{ index: 1, errors: ['price must be zero or more (got -3)'] }],
  },
};
