import { applyDecorators, Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { RecommendationsResponse } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import { RECOMMENDATION_QUERIES, RECOMMENDATIONS_RESPONSE_SCHEMA } from './recommendations.openapi';
import { type RecommendationsQuery, recommendationsQuerySchema } from './recommendations.query';
import { RecommendationsService } from './recommendations.service';

@ApiTags('recommendations')
@ApiKeyAuth('read')
@RequiresScope('read')
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Get(':id/recommendations')
  @ApiOperation({
    summary: 'What this customer should see',
    description:
      'The customer’s ranked list from the active build, with the reasons behind each item, filtered ' +
      'by the query and re-ranked 1..n. A customer the build has no list for (new, or without history) ' +
      'gets the popular list of their segment, else the global one, with `strategy: "popular"`.',
  })
  @ApiParam({ name: 'id', description: 'The retailer’s customer id', example: 'c-42' })
  @applyDecorators(...RECOMMENDATION_QUERIES.map((q) => ApiQuery(q)))
  @ApiResponse({ status: 200, description: 'The ranked items', schema: RECOMMENDATIONS_RESPONSE_SCHEMA })
  @ApiErrorResponse(400, 'A query parameter is invalid (`limit` outside 1–50, an unknown `type`, …)')
  @ApiErrorResponse(503, 'No build has been published yet, or Postgres is unreachable')
  recommend(
    @Param('id') customerId: string,
    @Query(new ZodValidationPipe(recommendationsQuerySchema)) query: RecommendationsQuery,
  ): Promise<RecommendationsResponse> {
    return this.recommendations.forCustomer(customerId, query);
  }
}
