import type { SchemaObject } from '@nestjs/swagger';
import { RULE_FILTER_MODES, RULE_KIND_NAMES, ruleInputSchema } from '@nextbuy/contracts';
import { describeProperties, openApiSchema } from '@nextbuy/server';

const EXAMPLE_RULE = {
  name: 'Wool to the front in winter',
  kind: 'boost',
  condition: "category = 'Outdoor' AND attributes.material = 'wool'",
  factor: 2,
  context: { segment: 'vip' },
  starts_at: '2026-12-01T00:00:00Z',
  ends_at: '2027-03-01T00:00:00Z',
  priority: 10,
};

export const RULE_BODY = {
  schema: describeProperties(openApiSchema(ruleInputSchema, { example: EXAMPLE_RULE }), {
    kind:
      '`pin` puts the best-ranked matching product at `position` (a condition naming ids, `id = …` or ' +
      '`id IN (…)`, brings the product in when the list lacks it); `boost` multiplies a matching ' +
      "item's score by `factor`, `bury` divides it; `filter` keeps only (`include`) or drops " +
      '(`exclude`) what matches',
    condition:
      "Which products: `category = 'Outdoor'`, `brand IN ('a','b')`, `price < 50`, " +
      "`attributes.material = 'wool'`, `available`, with AND, OR, NOT and parentheses (docs/rules.md)",
    position: 'pin: 1-based position',
    factor: 'boost / bury: greater than 1',
    filter: 'filter: include or exclude',
    context:
      "Where the rule applies (each part given must hold): the customer's segment, the product being " +
      'viewed (`product_id` of a customer list, the product of similar / bought-together), the ' +
      'category being browsed (`category` of a customer list)',
    starts_at: 'From when the rule applies (null: always)',
    ends_at: 'Until when (exclusive; null: no end)',
    priority: 'Higher first: a contested pin position, the one factor an item takes',
  }),
};

export const RULE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['rule_id', 'name', 'kind', 'condition', 'priority', 'created_at', 'updated_at'],
  properties: {
    rule_id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', enum: [...RULE_KIND_NAMES] },
    condition: { type: 'string' },
    position: { type: 'integer', nullable: true },
    factor: { type: 'number', nullable: true },
    filter: { type: 'string', enum: [...RULE_FILTER_MODES], nullable: true },
    context: {
      type: 'object',
      nullable: true,
      properties: {
        segment: { type: 'string' },
        product_id: { type: 'string' },
        category: { type: 'string' },
      },
    },
    starts_at: { type: 'string', format: 'date-time', nullable: true },
    ends_at: { type: 'string', format: 'date-time', nullable: true },
    priority: { type: 'integer' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
  example: {
    rule_id: '3',
    ...EXAMPLE_RULE,
    position: null,
    filter: null,
    starts_at: '2026-12-01T00:00:00.000Z',
    ends_at: '2027-03-01T00:00:00.000Z',
    created_at: '2026-11-30T09:00:00.000Z',
    updated_at: '2026-11-30T09:00:00.000Z',
  },
};
