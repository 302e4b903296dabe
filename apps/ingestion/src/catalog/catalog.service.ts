import { HttpStatus, Injectable } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import {
  customerRecordSchema,
  productRecordSchema,
  validateEach,
  type UpsertResult,
} from '@nextbuy/contracts';
import { CatalogRepository, type UpsertCounts } from '@nextbuy/db';
import { ApiError, InjectEnv } from '@nextbuy/server';
import type { z } from 'zod';

@Injectable()
export class CatalogService {
  /** Same bound as an events batch: one request stays one short statement. */
  private readonly maxBatch: number;

  constructor(
    private readonly catalog: CatalogRepository,
    @InjectEnv() env: Env,
  ) {
    this.maxBatch = env.EVENTS_MAX_BATCH;
  }

  upsertProducts(items: readonly unknown[]): Promise<UpsertResult> {
    return this.upsert('products', productRecordSchema, items, (valid) => this.catalog.upsertProducts(valid));
  }

  upsertCustomers(items: readonly unknown[]): Promise<UpsertResult> {
    return this.upsert('customers', customerRecordSchema, items, (valid) =>
      this.catalog.upsertCustomers(valid),
    );
  }

  private async upsert<S extends z.ZodType>(
    what: string,
    schema: S,
    items: readonly unknown[],
    store: (valid: z.output<S>[]) => Promise<UpsertCounts>,
  ): Promise<UpsertResult> {
    if (items.length > this.maxBatch) {
      throw new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        `Too many ${what}: ${items.length} in one request, the limit is ${this.maxBatch}; split the batch`,
        { limit: this.maxBatch, received: items.length },
      );
    }
    const { valid, rejected } = validateEach(schema, items);
    const counts = await store(valid);
    return { upserted: valid.length, ...counts, rejected };
  }
}
