import { Injectable } from '@nestjs/common';
import type { RankedItem } from '@nextbuy/contracts';
import { BuildOutputRepository, type ItemListKind, type StoredCustomerList } from '@nextbuy/db';
import { decodeList, rankedItemsOf } from '@nextbuy/engine';
import type { CachedList, CachedTop } from '@nextbuy/server';
import { ServingCatalogService } from '../catalog/serving-catalog.service';
import { ListCacheService } from './list-cache.service';

/** The lists a build stored, read through the Redis cache. `null`: the build has no such list. */
@Injectable()
export class StoredListsService {
  constructor(
    private readonly cache: ListCacheService,
    private readonly output: BuildOutputRepository,
    private readonly catalogue: ServingCatalogService,
  ) {}

  customerList(buildId: string, customerId: string): Promise<CachedList | null> {
    return this.cache.getOrLoad(this.cache.customerKey(buildId, customerId), () =>
      this.loadCustomerList(buildId, customerId),
    );
  }

  /** The top of the customer's stored list (the usual call's answer), read through the cache. */
  customerTop(buildId: string, customerId: string): Promise<CachedTop | null> {
    return this.cache.getOrLoadTop(this.cache.customerTopKey(buildId, customerId), () =>
      this.loadCustomerList(buildId, customerId),
    );
  }

  itemList(buildId: string, kind: ItemListKind, key: string): Promise<CachedList | null> {
    return this.cache.getOrLoad(this.cache.itemListKey(buildId, kind, key), async () =>
      this.itemsOf(await this.output.itemList(buildId, kind, key)),
    );
  }

  private async loadCustomerList(buildId: string, customerId: string): Promise<RankedItem[] | null> {
    return this.itemsOf(await this.output.recommendations(buildId, customerId));
  }

  /** A stored list's items: a compact list is worded from the catalogue as it is now. */
  private itemsOf(stored: StoredCustomerList | null): RankedItem[] | null {
    if (stored === null || Array.isArray(stored)) return stored;
    return rankedItemsOf(decodeList(stored), this.catalogue);
  }
}
