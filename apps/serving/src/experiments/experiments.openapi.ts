import type { SchemaObject } from '@nestjs/swagger';
import { createExperimentSchema, EXPERIMENT_STATUSES } from '@nextbuy/contracts';
import { openApiSchema } from '@nextbuy/server';

const EXAMPLE_VARIANTS = [
  { name: 'control', share: 0.5, config: { source: 'popular' } },
  { name: 'engine', share: 0.5, config: { source: 'personal', strategy_weights: { popular: 0.5 } } },
];

export const CREATE_EXPERIMENT_BODY = {
  schema: openApiSchema(createExperimentSchema, {
    example: { name: 'popular-vs-engine', variants: EXAMPLE_VARIANTS },
  }),
};

export const EXPERIMENT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['experiment_id', 'name', 'status', 'variants', 'created_at', 'started_at', 'stopped_at'],
  properties: {
    experiment_id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: [...EXPERIMENT_STATUSES] },
    variants: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          share: { type: 'number', description: 'Share of customers, (0, 1]; shares sum to 1' },
          config: {
            type: 'object',
            properties: {
              source: { type: 'string', enum: ['personal', 'popular'] },
              strategy_weights: { type: 'object', additionalProperties: { type: 'number' } },
              rules: {
                type: 'boolean',
                description: 'false: this variant answers without merchandising rules (absent: they apply)',
              },
            },
          },
        },
      },
    },
    created_at: { type: 'string', format: 'date-time' },
    started_at: { type: 'string', format: 'date-time', nullable: true },
    stopped_at: { type: 'string', format: 'date-time', nullable: true },
  },
  example: {
    experiment_id: '3',
    name: 'popular-vs-engine',
    status: 'running',
    variants: EXAMPLE_VARIANTS,
    created_at: '2025-06-01T09:00:00.000Z',
    started_at: '2025-06-01T09:05:00.000Z',
    stopped_at: null,
  },
};

const RATE_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'The rate and its 95 % Wilson interval; null when nothing was shown',
  properties: {
    rate: { type: 'number', nullable: true },
    low: { type: 'number', nullable: true },
    high: { type: 'number', nullable: true },
  },
};

const FUNNEL_PROPERTIES: Record<string, SchemaObject> = {
  impressions: { type: 'integer', description: 'Items shown (any feedback about an item implies it was)' },
  clicks: { type: 'integer' },
  add_to_cart: { type: 'integer' },
  purchases: { type: 'integer' },
  ctr: { ...RATE_SCHEMA, description: 'clicks / impressions' },
  add_to_cart_rate: { ...RATE_SCHEMA, description: 'add_to_cart / impressions' },
  conversion: { ...RATE_SCHEMA, description: 'purchases / impressions' },
};

const EXAMPLE_EXPERIMENT: unknown = EXPERIMENT_SCHEMA.example;

const rate = (rate: number, low: number, high: number) => ({ rate, low, high });

export const REPORT_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    experiment: EXPERIMENT_SCHEMA,
    generated_at: { type: 'string', format: 'date-time' },
    confidence: { type: 'number', example: 0.95 },
    variants: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          variant: { type: 'string' },
          recommendations: { type: 'integer', description: 'Answers served under this variant' },
          ...FUNNEL_PROPERTIES,
          strategies: {
            type: 'array',
            items: { type: 'object', properties: { strategy: { type: 'string' }, ...FUNNEL_PROPERTIES } },
          },
          positions: {
            type: 'array',
            items: { type: 'object', properties: { position: { type: 'integer' }, ...FUNNEL_PROPERTIES } },
          },
        },
      },
    },
  },
  example: {
    experiment: EXAMPLE_EXPERIMENT,
    generated_at: '2025-06-08T09:00:00.000Z',
    confidence: 0.95,
    variants: [
      {
        variant: 'engine',
        recommendations: 1200,
        impressions: 9600,
        clicks: 480,
        add_to_cart: 96,
        purchases: 38,
        ctr: rate(0.05, 0.0457, 0.0545),
        add_to_cart_rate: rate(0.01, 0.0082, 0.0122),
        conversion: rate(0.004, 0.0029, 0.0054),
        strategies: [],
        positions: [],
      },
    ],
  },
};
