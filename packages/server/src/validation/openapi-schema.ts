import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/**
 * The OpenAPI (3.0) schema of what a client sends for a zod schema: one definition of a record,
 * used both to validate and to document it.
 */
export function openApiSchema(schema: z.ZodType, extra: Partial<SchemaObject> = {}): SchemaObject {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' });
  const { $schema: _ignored, ...rest } = json as Record<string, unknown>;
  return { ...(rest as SchemaObject), ...extra };
}

/** Adds descriptions (and formats) to properties of an object schema, for the docs only. */
export function describeProperties(
  schema: SchemaObject,
  descriptions: Record<string, string | Partial<SchemaObject>>,
): SchemaObject {
  const properties = { ...(schema.properties ?? {}) } as Record<string, SchemaObject>;
  for (const [name, info] of Object.entries(descriptions)) {
    const current = properties[name];
    if (!current) continue;
    properties[name] = { ...current, ...(typeof info === 'string' ? { description: info } : info) };
  }
  return { ...schema, properties };
}
