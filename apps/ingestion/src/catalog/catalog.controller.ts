import { Body, Controller, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { UpsertResult } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, jsonArray, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import {
  CUSTOMER_EXAMPLES,
  CUSTOMER_SCHEMA,
  PRODUCT_EXAMPLES,
  PRODUCT_SCHEMA,
  UPSERT_RESULT_SCHEMA,
} from './catalog.openapi';
import { CatalogService } from './catalog.service';

const UPSERT_DESCRIPTION =
  'A JSON array of up to 5,000 records, upserted by id: a field present overwrites, a field absent ' +
  'keeps the stored value, attributes merge. Each item is validated on its own; invalid ones are ' +
  'listed in `rejected` by index and the others are applied.';

@ApiTags('catalog')
@ApiKeyAuth('write')
@RequiresScope('write')
@ApiErrorResponse(400, 'The body is not a JSON array, or not valid JSON')
@ApiErrorResponse(413, 'More than 5,000 records, or a body over HTTP_BODY_LIMIT_BYTES')
@Controller('v1')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Put('products')
  @ApiOperation({ summary: 'Upsert products', description: UPSERT_DESCRIPTION })
  @ApiBody({ schema: { type: 'array', maxItems: 5000, items: PRODUCT_SCHEMA }, examples: PRODUCT_EXAMPLES })
  @ApiResponse({
    status: 200,
    description: 'Applied (see `rejected` for invalid items)',
    schema: UPSERT_RESULT_SCHEMA,
  })
  upsertProducts(
    @Body(new ZodValidationPipe(jsonArray('products'))) items: unknown[],
  ): Promise<UpsertResult> {
    return this.catalog.upsertProducts(items);
  }

  @Put('customers')
  @ApiOperation({ summary: 'Upsert customers', description: UPSERT_DESCRIPTION })
  @ApiBody({ schema: { type: 'array', maxItems: 5000, items: CUSTOMER_SCHEMA }, examples: CUSTOMER_EXAMPLES })
  @ApiResponse({
    status: 200,
    description: 'Applied (see `rejected` for invalid items)',
    schema: UPSERT_RESULT_SCHEMA,
  })
  upsertCustomers(
    @Body(new ZodValidationPipe(jsonArray('customers'))) items: unknown[],
  ): Promise<UpsertResult> {
    return this.catalog.upsertCustomers(items);
  }
}
