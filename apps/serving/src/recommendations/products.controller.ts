import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ProductListResponse } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import {
  LIMIT_QUERY,
  MAX_CATEGORY_SHARE_QUERY,
  PRODUCT_LIST_RESPONSE_SCHEMA,
} from './recommendations.openapi';
import { type ItemListQuery, itemListQuerySchema, PRODUCT_ID_PARAM } from './recommendations.query';
import { RecommendationsService } from './recommendations.service';

const LIST_RESPONSE = { status: 200, description: 'The ranked items', schema: PRODUCT_LIST_RESPONSE_SCHEMA };

@ApiTags('recommendations')
@ApiKeyAuth('read')
@RequiresScope('read')
@ApiParam({ name: 'id', description: 'The retailer’s product id', example: 'p-3' })
@ApiQuery(LIMIT_QUERY)
@ApiQuery(MAX_CATEGORY_SHARE_QUERY)
@ApiErrorResponse(400, '`limit` is outside 1–50', {
  message: 'Invalid query parameters: limit must be a whole number from 1 to 50 (got "51")',
  details: { errors: ['limit must be a whole number from 1 to 50 (got "51")'] },
})
@ApiErrorResponse(404, 'The product is not in the catalog', {
  message: 'product "p-404" is not in the catalog; load it with PUT /v1/products or an import',
})
@ApiErrorResponse(503, 'No build has been published yet, or Postgres is unreachable', {
  message: 'no build has been published yet; run a rebuild',
})
@Controller('v1/products')
export class ProductsController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Get(':id/similar')
  // On each method: a class-level 200 is replaced by the one Nest adds to every GET.
  @ApiResponse(LIST_RESPONSE)
  @ApiOperation({
    summary: 'Products similar to this one',
    description: 'From the active build; an empty `items` for a product the build found nothing for.',
  })
  similar(
    @Param('id', new ZodValidationPipe(PRODUCT_ID_PARAM)) productId: string,
    @Query(new ZodValidationPipe(itemListQuerySchema)) query: ItemListQuery,
  ): Promise<ProductListResponse> {
    return this.recommendations.forProduct(productId, 'similar', query);
  }

  @Get(':id/bought-together')
  @ApiResponse(LIST_RESPONSE)
  @ApiOperation({
    summary: 'Products bought together with this one',
    description:
      'In one order, from the active build; an empty `items` for a product never bought with others.',
  })
  boughtTogether(
    @Param('id', new ZodValidationPipe(PRODUCT_ID_PARAM)) productId: string,
    @Query(new ZodValidationPipe(itemListQuerySchema)) query: ItemListQuery,
  ): Promise<ProductListResponse> {
    return this.recommendations.forProduct(productId, 'bought_together', query);
  }
}
