import { Injectable, type OnModuleInit, RequestMethod } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { unstorableText } from '@nextbuy/contracts';
import {
  ApiKeyResolver,
  authorize,
  type KeyedRequest,
  parseInput,
  type ReplyLike,
  type RouteMatch,
} from '@nextbuy/server';
import { CUSTOMER_ID_PARAM, recommendationsQuerySchema } from './recommendations.query';
import { RecommendationsService } from './recommendations.service';

/** The storefront's hot route, as Fastify and Nest's middleware name it. */
export const CUSTOMER_RECOMMENDATIONS_PATH = '/v1/customers/:id/recommendations';
/** Not logged line by line: `http_request_duration_seconds` counts it by status, the error filter logs its 5xx. */
export const CUSTOMER_RECOMMENDATIONS_ROUTE: RouteMatch = {
  path: CUSTOMER_RECOMMENDATIONS_PATH.slice(1),
  method: RequestMethod.GET,
};
const JSON_UTF8 = 'application/json; charset=utf-8';
/** The query of a request without parameters (the storefront's usual call), validated once. */
const NO_PARAMETERS = Object.freeze(parseInput(recommendationsQuerySchema, {}, 'query'));

/** The little of Fastify's API this route uses (Fastify's types are @nextbuy/server's dependency). */
interface Request extends KeyedRequest {
  params: { id: string };
  query: unknown;
}
interface Reply extends ReplyLike {
  type(contentType: string): Reply;
  send(body: Buffer | string): Reply;
}
interface Router {
  get(path: string, handler: (request: Request, reply: Reply) => Promise<Reply>): unknown;
}

/**
 * `GET /v1/customers/{id}/recommendations` as a plain Fastify route: the storefront calls it on every
 * page, and Nest's per-request pipeline (router, guard and pipe invocation, middleware adapter) cost
 * as much as the rest of the answer (BENCHMARKS.md, serving load). Everything else is what a Nest
 * route gets: the same key check as `ApiKeyGuard` (scope `read`), the same zod validation and 400s,
 * the app's Fastify hooks (rate limit, CORS, metrics) and its error filter, through which Nest
 * answers whatever this handler throws. Documented by hand (`customer-recommendations.openapi.ts`).
 */
@Injectable()
export class CustomerRecommendationsRoute implements OnModuleInit {
  constructor(
    private readonly http: HttpAdapterHost,
    private readonly keys: ApiKeyResolver,
    private readonly recommendations: RecommendationsService,
  ) {}

  /** Runs after Nest registered its routes and before Fastify is ready. */
  onModuleInit(): void {
    const fastify = this.http.httpAdapter.getInstance<Router>();
    fastify.get(CUSTOMER_RECOMMENDATIONS_PATH, (request, reply) => this.handle(request, reply));
  }

  private async handle(request: Request, reply: Reply): Promise<Reply> {
    const admitted = authorize(this.keys, request, reply, 'read');
    if (admitted !== true) await admitted;
    const query = isEmpty(request.query)
      ? NO_PARAMETERS
      : parseInput(recommendationsQuerySchema, request.query, 'query');
    const id = request.params.id;
    // The usual id passes the native check alone; zod words the 400 for one Postgres cannot hold.
    const customerId = unstorableText(id) === undefined ? id : parseInput(CUSTOMER_ID_PARAM, id, 'param');
    const answer = await this.recommendations.forCustomer(customerId, query);
    return reply.type(JSON_UTF8).send(answer);
  }
}

function isEmpty(query: unknown): boolean {
  if (query === null || typeof query !== 'object') return query === undefined;
  for (const _ in query) return false;
  return true;
}
