import { type ArgumentMetadata, HttpStatus, type PipeTransform } from '@nestjs/common';
import { describeIssues } from '@nextbuy/contracts';
import type { z } from 'zod';
import { ApiError } from '../errors/api-error';

const WHAT: Record<ArgumentMetadata['type'], string> = {
  body: 'request body',
  query: 'query parameters',
  param: 'path parameters',
  custom: 'input',
};

/**
 * Validates a body, query or path parameters with a zod schema (from `contracts`) and hands the
 * parsed value to the handler: `@Body(new ZodValidationPipe(schema)) body: z.output<typeof schema>`.
 * A failure is a 400 whose message lists every problem and whose `details.errors` holds them one by one.
 */
export class ZodValidationPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<T> {
    return parseInput(this.schema, value, metadata.type);
  }
}

/**
 * `value` parsed by `schema`, or a 400 `ApiError` naming every problem (the pipe's rule, for routes
 * served outside Nest's pipeline too).
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: ArgumentMetadata['type'],
): z.output<T> {
  // With the input in each issue, `describeIssues` tells a wrong type from a missing field.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  // Issues about the value as a whole keep the schema's own words ("must be a JSON array …").
  const errors = describeIssues(result.error).map((text, i) =>
    result.error.issues[i]?.path.length === 0 ? (result.error.issues[i]?.message ?? text) : text,
  );
  throw new ApiError(HttpStatus.BAD_REQUEST, `Invalid ${WHAT[what]}: ${errors.join('; ')}`, { errors });
}
