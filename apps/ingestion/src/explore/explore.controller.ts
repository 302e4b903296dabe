import { Controller, Get, HttpStatus, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type {
  CustomerEventsResponse,
  CustomerView,
  KeyView,
  ProductView,
  SimilarCustomersResponse,
  StatusView,
} from '@nextbuy/contracts';
import {
  ApiError,
  ApiErrorResponse,
  ApiKeyAuth,
  type KeyedRequest,
  RequiresScope,
  ZodValidationPipe,
} from '@nextbuy/server';
import { z } from 'zod';
import { EXPLORE_LIMITS } from './explore.limits';
import { ExploreService } from './explore.service';

const historyQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(EXPLORE_LIMITS.maxHistory).default(200) })
  .strict();
const similarQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(EXPLORE_LIMITS.maxSimilar).default(10) })
  .strict();
const productQuery = z
  .object({
    days: z.coerce.number().int().min(1).max(EXPLORE_LIMITS.maxPopularityDays).default(90),
  })
  .strict();

const CUSTOMER_PARAM = { name: 'id', description: 'The retailer’s customer id', example: '17850' };
const PRODUCT_PARAM = { name: 'id', description: 'The retailer’s product id', example: '85123A' };

/**
 * What operators read about the store (the console, scripts): the key they hold, counts, queues
 * and builds at a glance, one customer's history and look-alikes, one product's activity. Nothing
 * here changes anything. Scope `read`, except a customer's event history: `ops` (a `read` key is
 * embedded in storefronts, and whoever reads a storefront's page source has it).
 */
@ApiTags('explore')
@ApiKeyAuth('read')
@RequiresScope('read')
@Controller('v1')
export class ExploreController {
  constructor(private readonly explore: ExploreService) {}

  @Get('keys/me')
  @ApiOperation({
    summary: 'The key of this request: its id (never the key) and scope',
    description: 'Lets a client (the console) decide which actions to offer.',
  })
  me(@Req() request: KeyedRequest): KeyView {
    const key = request.resolvedApiKey;
    // The guard admitted the request, so its key was resolved; anything else is a wiring bug.
    if (!key) throw new ApiError(HttpStatus.UNAUTHORIZED, 'Invalid API key');
    return { id: key.id, scope: key.scope };
  }

  @Get('status')
  @ApiOperation({
    summary: 'Row counts, recent events, active build, builds in flight and queue depths',
    description:
      '`events_24h` / `events_7d` count events by their timestamp against the server clock. `queues` is ' +
      'null when Redis does not answer within a few seconds (everything else still answers).',
  })
  status(): Promise<StatusView> {
    return this.explore.status();
  }

  @Get('customers/:id')
  @ApiOperation({ summary: 'One customer: record, events per type, first and last event' })
  @ApiParam(CUSTOMER_PARAM)
  @ApiErrorResponse(404, 'No such customer')
  customer(@Param('id') id: string): Promise<CustomerView> {
    return this.explore.customer(id);
  }

  @Get('customers/:id/events')
  @ApiKeyAuth('ops')
  @RequiresScope('ops')
  @ApiOperation({
    summary: 'One customer’s newest events, newest first, with product names',
    description: 'Needs an `ops` (or `admin`) key: a storefront’s `read` key does not read histories.',
  })
  @ApiParam(CUSTOMER_PARAM)
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, default: 200 } })
  @ApiErrorResponse(400, '`limit` is out of range')
  @ApiErrorResponse(404, 'No such customer')
  customerEvents(
    @Param('id') id: string,
    @Query(new ZodValidationPipe(historyQuery)) query: z.infer<typeof historyQuery>,
  ): Promise<CustomerEventsResponse> {
    return this.explore.customerEvents(id, query.limit);
  }

  @Get('customers/:id/similar')
  @ApiOperation({
    summary: 'Customers who bought the most of the same products',
    description: 'Ranked by overlap (Jaccard) of the distinct products each bought.',
  })
  @ApiParam(CUSTOMER_PARAM)
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, default: 10 } })
  @ApiErrorResponse(400, '`limit` is out of range')
  @ApiErrorResponse(404, 'No such customer')
  similarCustomers(
    @Param('id') id: string,
    @Query(new ZodValidationPipe(similarQuery)) query: z.infer<typeof similarQuery>,
  ): Promise<SimilarCustomersResponse> {
    return this.explore.similarCustomers(id, query.limit);
  }

  @Get('products/:id')
  @ApiOperation({
    summary: 'One product: record, events per type, and daily events over its last `days` days of activity',
  })
  @ApiParam(PRODUCT_PARAM)
  @ApiQuery({ name: 'days', required: false, schema: { type: 'integer', minimum: 1, default: 90 } })
  @ApiErrorResponse(400, '`days` is out of range')
  @ApiErrorResponse(404, 'No such product')
  product(
    @Param('id') id: string,
    @Query(new ZodValidationPipe(productQuery)) query: z.infer<typeof productQuery>,
  ): Promise<ProductView> {
    return this.explore.product(id, query.days);
  }
}
