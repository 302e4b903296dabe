import { HttpException, Logger } from '@nestjs/common';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { storableText } from '@nextbuy/contracts';
import { z } from 'zod';
import { DEFAULT_LIMIT, MAX_LIMIT, RECOMMENDATION_TYPES } from '../recommendations/recommendations.query';
import type { RecommendationsService } from '../recommendations/recommendations.service';

export const RECOMMENDATIONS_TOOL = 'get_product_recommendations';
const MAX_ID_LENGTH = 256;

const id = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(MAX_ID_LENGTH, `${what} is longer than ${MAX_ID_LENGTH} characters`)
    .superRefine(storableText(what));

/** The tool's arguments (SPEC "HTTP": `customer_id`, optional `product_id`, `limit` 1–50 default 10, `recommendation_type`). */
export const RECOMMENDATIONS_TOOL_INPUT = {
  customer_id: id('customer_id').describe('The retailer’s customer id'),
  product_id: id('product_id')
    .optional()
    .describe('The product being viewed: left out, and what is bought together with it comes first'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .default(DEFAULT_LIMIT)
    .describe(`How many items, 1–${MAX_LIMIT}`),
  recommendation_type: z
    .enum(RECOMMENDATION_TYPES)
    .default('all')
    .describe('Only items of one strategy; `all` keeps every strategy'),
  task: id('task')
    .optional()
    .describe('A prediction task by name (e.g. the next 7 days of cart adds); absent: the default task'),
};

const REASON = z.object({
  feature: z.string(),
  value: z.number(),
  attribution: z.number(),
  text: z.string().optional(),
});

/** What the tool answers in `structuredContent`: the same object as `GET /v1/customers/{id}/recommendations`. */
export const RECOMMENDATIONS_TOOL_OUTPUT = {
  customer_id: z.string(),
  build_id: z.string(),
  recommendation_id: z.string(),
  variant: z.string(),
  items: z.array(
    z.object({
      product_id: z.string(),
      name: z.string().nullable(),
      category: z.string().nullable(),
      score: z.number(),
      rank: z.number(),
      strategy: z.string(),
      reasons: z.array(REASON),
    }),
  ),
};

const logger = new Logger('McpTool');

/**
 * Registers `get_product_recommendations` on `server`: the HTTP API's answer, through the same
 * `RecommendationsService`, as JSON text (for any MCP client) and as `structuredContent`.
 */
export function registerRecommendationsTool(
  server: McpServer,
  recommendations: RecommendationsService,
): void {
  server.registerTool(
    RECOMMENDATIONS_TOOL,
    {
      title: 'Product recommendations',
      description:
        'The products a customer is most likely to buy next, ranked, with the reasons behind each item ' +
        '(the same answer as GET /v1/customers/{id}/recommendations). Pass product_id when the customer ' +
        'is looking at a product, to get what is bought with it first.',
      inputSchema: RECOMMENDATIONS_TOOL_INPUT,
      outputSchema: RECOMMENDATIONS_TOOL_OUTPUT,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args): Promise<CallToolResult> => {
      try {
        const answer = await recommendations.forCustomer(args.customer_id, {
          limit: args.limit,
          type: args.recommendation_type,
          category: undefined,
          exclude: [],
          product_id: args.product_id,
          // The server's default cap (MAX_CATEGORY_SHARE); rules apply as to every answer.
          max_category_share: undefined,
          task: args.task,
        });
        const text = typeof answer === 'string' ? answer : answer.toString('utf8');
        return {
          content: [{ type: 'text', text }],
          structuredContent: JSON.parse(text) as Record<string, unknown>,
        };
      } catch (e) {
        return toolError(e);
      }
    },
  );
}

/** Client-facing errors (no build yet, Postgres away) keep their message; anything else hides its internals. */
function toolError(e: unknown): CallToolResult {
  let text = 'Internal server error';
  if (e instanceof HttpException && e.getStatus() < 500) text = e.message;
  else if (e instanceof HttpException && e.getStatus() === 503) text = e.message;
  else
    logger.error(
      `${RECOMMENDATIONS_TOOL} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
  return { content: [{ type: 'text', text }], isError: true };
}
