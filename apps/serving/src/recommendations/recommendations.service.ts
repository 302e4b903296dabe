import { HttpStatus, Injectable } from '@nestjs/common';
import type { RankedItem, RecommendationsResponse } from '@nextbuy/contracts';
import { ApiError } from '@nextbuy/server';
import { randomUUID } from 'node:crypto';
import { ActiveBuildService } from '../builds/active-build.service';
import { StoredListsService } from '../cache/stored-lists.service';
import { CatalogLookupRepository } from '../catalog/catalog-lookup.repository';
import type { ItemListQuery, RecommendationsQuery } from './recommendations.query';
import { firstItems, shapeList } from './request-filters';

/** Key of the global `popular` list (the others are keyed by customer segment). */
export const GLOBAL_POPULAR_KEY = '*';
/** Until A/B variants exist every answer belongs to one arm. */
export const DEFAULT_VARIANT = 'default';

export type ProductListKind = 'similar' | 'bought_together';

/** `GET /v1/products/{id}/similar` and `/bought-together` → 200 */
export interface ProductListResponse {
  product_id: string;
  build_id: string;
  items: RankedItem[];
}

@Injectable()
export class RecommendationsService {
  constructor(
    private readonly activeBuild: ActiveBuildService,
    private readonly lists: StoredListsService,
    private readonly catalog: CatalogLookupRepository,
  ) {}

  /**
   * The customer's stored list (or, for a customer the build has no list for, the popular list of
   * their segment, else the global one), shaped by the request's filters. With `product_id`, what
   * is bought together with that product comes first and the product itself is left out.
   */
  async forCustomer(customerId: string, query: RecommendationsQuery): Promise<RecommendationsResponse> {
    const buildId = await this.activeBuild.require();
    const [own, context] = await Promise.all([
      this.lists.customerList(buildId, customerId),
      query.product_id === undefined
        ? null
        : this.lists.itemList(buildId, 'bought_together', query.product_id),
    ]);
    const items = own ?? (await this.popularFor(buildId, customerId));
    return {
      customer_id: customerId,
      build_id: buildId,
      recommendation_id: randomUUID(),
      variant: DEFAULT_VARIANT,
      items: shapeList(
        items,
        {
          limit: query.limit,
          type: query.type,
          category: query.category,
          exclude: query.exclude,
          productId: query.product_id,
        },
        context ?? [],
      ),
    };
  }

  /** A product's `similar` or `bought_together` list; 404 for a product the catalog does not know. */
  async forProduct(
    productId: string,
    kind: ProductListKind,
    query: ItemListQuery,
  ): Promise<ProductListResponse> {
    const buildId = await this.activeBuild.require();
    const items = await this.lists.itemList(buildId, kind, productId);
    // A stored list implies the product exists: only a miss needs the catalog.
    if (items === null && !(await this.catalog.productExists(productId))) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        `product ${JSON.stringify(productId)} is not in the catalog; load it with PUT /v1/products or an import`,
      );
    }
    return { product_id: productId, build_id: buildId, items: firstItems(items ?? [], query.limit) };
  }

  private async popularFor(buildId: string, customerId: string): Promise<RankedItem[]> {
    const segment = await this.catalog.customerSegment(customerId);
    const list =
      (segment === null ? null : await this.lists.itemList(buildId, 'popular', segment)) ??
      (await this.lists.itemList(buildId, 'popular', GLOBAL_POPULAR_KEY)) ??
      [];
    return list.map((item) => (item.strategy === 'popular' ? item : { ...item, strategy: 'popular' }));
  }
}
