import { STRATEGIES, storableText, type Strategy } from '@nextbuy/contracts';
import { z } from 'zod';

/** Stored lists hold up to 50 items (SPEC: `limit` 1–50). */
export const MAX_LIMIT = 50;
export const DEFAULT_LIMIT = 10;
/** More exclusions than a storefront page could ever need; bounds the work of one request. */
export const MAX_EXCLUDED = 500;
const MAX_ID_LENGTH = 256;

export const RECOMMENDATION_TYPES = ['all', ...STRATEGIES] as const;
export type RecommendationType = 'all' | Strategy;

/** One query parameter's text: absent or empty is `undefined`; a repeated parameter is a mistake. */
const single = (what: string) =>
  // `.optional()` before the transform: zod 4 otherwise refuses a missing key.
  z
    .unknown()
    .optional()
    .transform((v, ctx): string | undefined => {
      if (Array.isArray(v)) {
        ctx.addIssue({ code: 'custom', message: `${what} must be given once (got ${v.length} values)` });
        return z.NEVER;
      }
      const text = typeof v === 'string' ? v.trim() : undefined;
      return text === '' ? undefined : text;
    });

const limit = single('limit').transform((v, ctx) => {
  if (v === undefined) return DEFAULT_LIMIT;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= MAX_LIMIT)) {
    ctx.addIssue({
      code: 'custom',
      message: `limit must be a whole number from 1 to ${MAX_LIMIT} (got ${JSON.stringify(v)})`,
    });
    return z.NEVER;
  }
  return n;
});

const text = (what: string) =>
  single(what)
    .refine((v) => v === undefined || v.length <= MAX_ID_LENGTH, {
      message: `${what} is longer than ${MAX_ID_LENGTH} characters`,
    })
    .superRefine((v, ctx) => {
      if (v !== undefined) storableText(what)(v, ctx);
    });

const type = single('type').transform((v, ctx): RecommendationType => {
  if (v === undefined) return 'all';
  if ((RECOMMENDATION_TYPES as readonly string[]).includes(v)) return v as RecommendationType;
  ctx.addIssue({
    code: 'custom',
    message: `type must be one of ${RECOMMENDATION_TYPES.join(', ')} (got ${JSON.stringify(v)})`,
  });
  return z.NEVER;
});

/** `exclude=a,b,c` (the parameter may also repeat: `exclude=a&exclude=b`). */
const exclude = z
  .unknown()
  .optional()
  .transform((v, ctx): string[] => {
    const parts = (Array.isArray(v) ? v : [v])
      .filter((p): p is string => typeof p === 'string')
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean);
    if (parts.length > MAX_EXCLUDED) {
      ctx.addIssue({
        code: 'custom',
        message: `exclude lists ${parts.length} product ids; at most ${MAX_EXCLUDED} are accepted`,
      });
      return z.NEVER;
    }
    for (const part of parts) storableText('exclude')(part, ctx);
    return [...new Set(parts)];
  });

/** `max_category_share`: at most max(1, ⌊share × limit⌋) items of one category; 1 is no cap. */
const maxCategoryShare = single('max_category_share').transform((v, ctx) => {
  if (v === undefined) return undefined;
  const n = /^(0|1)?(\.\d+)?$/.test(v) || v === '1' ? Number(v) : NaN;
  if (!(n > 0 && n <= 1)) {
    ctx.addIssue({
      code: 'custom',
      message: `max_category_share must be a number greater than 0 and at most 1 (got ${JSON.stringify(v)})`,
    });
    return z.NEVER;
  }
  return n;
});

/**
 * A customer or product id in the path: any text (an unknown id is answered, or 404), but never text
 * no stored id can hold, which Postgres would refuse with an error.
 */
export const pathId = (what: string) => z.string().superRefine(storableText(what));
export const CUSTOMER_ID_PARAM = pathId('customer id');
export const PRODUCT_ID_PARAM = pathId('product id');

/** `GET /v1/customers/{id}/recommendations` */
export const recommendationsQuerySchema = z.object({
  limit,
  type,
  category: text('category'),
  exclude,
  product_id: text('product_id'),
  max_category_share: maxCategoryShare,
  task: text('task'),
});
export type RecommendationsQuery = z.output<typeof recommendationsQuerySchema>;

/** `GET /v1/products/{id}/similar` and `/bought-together` */
export const itemListQuerySchema = z.object({ limit, max_category_share: maxCategoryShare });
export type ItemListQuery = z.output<typeof itemListQuerySchema>;
