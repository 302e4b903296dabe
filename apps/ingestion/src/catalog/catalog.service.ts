import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import {
  CATALOG_CHANGED_CHANNEL,
  customerRecordSchema,
  productRecordSchema,
  validateEach,
  type UpsertResult,
} from '@nextbuy/contracts';
import { CatalogRepository, type UpsertCounts } from '@nextbuy/db';
import { ApiError, InjectEnv, PRODUCER_REDIS } from '@nextbuy/server';
import type Redis from 'ioredis';
import type { z } from 'zod';

@Injectable()
export class CatalogService {
  /** Same bound as an events batch: one request stays one short statement. */
  private readonly maxBatch: number;

  constructor(
    private readonly catalog: CatalogRepository,
    @InjectEnv() env: Env,
    @Inject(PRODUCER_REDIS) private readonly notifier: Pick<Redis, 'publish'>,
  ) {
    this.maxBatch = env.EVENTS_MAX_BATCH;
  }

  /**
   * Upserts, then tells serving when rows changed, so answers name the products as stored within a
   * second; if Redis is away, serving's periodic catch-up finds the change instead.
   */
  async upsertProducts(items: readonly unknown[]): Promise<UpsertResult> {
    const result = await this.upsert('products', productRecordSchema, items, (valid) =>
      this.catalog.upsertProducts(valid),
    );
    if (result.inserted + result.updated > 0)
      await this.notifier.publish(CATALOG_CHANGED_CHANNEL, 'products').catch((e: Error) => {
        Logger.warn(`product upsert: serving not told (${e.message}); it catches up at its next poll`);
      });
    return result;
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
