import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import { LIMIT_QUERY, PRODUCT_LIST_RESPONSE_SCHEMA } from './recommendations.openapi';
import { type ItemListQuery, itemListQuerySchema } from './recommendations.query';
import { type ProductListResponse, RecommendationsService } from './recommendations.service';

@ApiTags('recommendations')
@ApiKeyAuth('read')
@RequiresScope('read')
@ApiParam({ name: 'id', description: 'The retailer’s product id', example: 'p-3' })
@ApiQuery(LIMIT_QUERY)
@ApiResponse({ status: 200, description: 'The ranked items', schema: PRODUCT_LIST_RESPONSE_SCHEMA })
@ApiErrorResponse(400, '`limit` is outside 1–50')
@ApiErrorResponse(404, 'The product is not in the catalog')
@ApiErrorResponse(503, 'No build has been published yet, or Postgres is unreachable')
@Controller('v1/products')
export class ProductsController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Get(':id/similar')
  @ApiOperation({
    summary: 'Products similar to this one',
    description: 'From the active build; an empty `items` for a product the build found nothing for.',
  })
  similar(
    @Param('id') productId: string,
    @Query(new ZodValidationPipe(itemListQuerySchema)) query: ItemListQuery,
  ): Promise<ProductListResponse> {
    return this.recommendations.forProduct(productId, 'similar', query);
  }

  @Get(':id/bought-together')
  @ApiOperation({
    summary: 'Products bought together with this one',
    description:
      'In one order, from the active build; an empty `items` for a product never bought with others.',
  })
  boughtTogether(
    @Param('id') productId: string,
    @Query(new ZodValidationPipe(itemListQuerySchema)) query: ItemListQuery,
  ): Promise<ProductListResponse> {
    return this.recommendations.forProduct(productId, 'bought_together', query);
  }
}
