import { eventRecordSchema, productRecordSchema } from '@nextbuy/contracts';
import { z } from 'zod';
import { ApiError } from '../errors/api-error';
import { validateEach } from '@nextbuy/contracts';
import { jsonArray } from './validate-each';
import { ZodValidationPipe } from './zod-validation.pipe';

const body = { type: 'body' as const };
const query = { type: 'query' as const };

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('ZodValidationPipe', () => {
  const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });

  it('returns the parsed value (coerced, defaults applied)', () => {
    const pipe = new ZodValidationPipe(limitQuery);
    expect(pipe.transform({ limit: '20' }, query)).toEqual({ limit: 20 });
    expect(pipe.transform({}, query)).toEqual({ limit: 10 });
  });

  it('answers 400 listing every problem, in message and details', () => {
    const pipe = new ZodValidationPipe(eventRecordSchema);
    const error = errorOf(() => pipe.transform({ customer_id: 'c', type: 'buy', timestamp: 12 }, body));
    expect(error.getStatus()).toBe(400);
    const { message, details } = error.toBody();
    expect(message).toMatch(/^Invalid request body: /);
    expect(details).toEqual({
      errors: [
        'product_id is required',
        expect.stringContaining('type must be one of view'),
        'timestamp must be an ISO 8601 date-time string (got a number)',
      ],
    });
  });

  it('names query parameters in the message', () => {
    const error = errorOf(() => new ZodValidationPipe(limitQuery).transform({ limit: '99' }, query));
    expect(error.message).toMatch(/^Invalid query parameters: limit: /);
  });

  it('describes a body that is not an array', () => {
    const pipe = new ZodValidationPipe(jsonArray('events'));
    expect(pipe.transform([{ a: 1 }], body)).toEqual([{ a: 1 }]);
    expect(errorOf(() => pipe.transform({ a: 1 }, body)).message).toBe(
      'Invalid request body: must be a JSON array of events (got an object)',
    );
    expect(errorOf(() => pipe.transform(undefined, body)).message).toMatch(/got no body/);
    expect(errorOf(() => pipe.transform('x', body)).message).toMatch(/got a string/);
  });
});

describe('validateEach', () => {
  it('keeps good items and reports bad ones by index', () => {
    const { valid, rejected } = validateEach(productRecordSchema, [
      { product_id: 'p1', price: '3.5', colour: 'red' },
      { name: 'no id' },
      'not an object',
      { product_id: 'p2', price: -1 },
    ]);
    expect(valid).toEqual([
      expect.objectContaining({ product_id: 'p1', price: 3.5, attributes: { colour: 'red' } }),
    ]);
    expect(rejected).toEqual([
      { index: 1, errors: ['product_id is required'] },
      { index: 2, errors: ['must be a JSON object (got a string)'] },
      { index: 3, errors: ['price must be zero or more (got -1)'] },
    ]);
  });
});
