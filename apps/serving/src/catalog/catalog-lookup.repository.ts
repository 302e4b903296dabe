import { CustomerEntity, ProductEntity } from '@nextbuy/db';
import type { DataSource } from 'typeorm';

/** The two catalog facts serving needs: whether a product exists, and a customer's segment. */
export class CatalogLookupRepository {
  constructor(private readonly db: DataSource) {}

  productExists(productId: string): Promise<boolean> {
    return this.db.getRepository(ProductEntity).existsBy({ productId });
  }

  /** `null` for an unknown customer or one without a segment. */
  async customerSegment(customerId: string): Promise<string | null> {
    const customer = await this.db
      .getRepository(CustomerEntity)
      .findOne({ select: { customerId: true, segment: true }, where: { customerId } });
    return customer?.segment ?? null;
  }
}
