import { Injectable } from '@nestjs/common';
import { BuildOutputRepository, type ItemListKind } from '@nextbuy/db';
import type { CachedList, CachedTop } from '@nextbuy/server';
import { ListCacheService } from './list-cache.service';

/** The lists a build stored, read through the Redis cache. `null`: the build has no such list. */
@Injectable()
export class StoredListsService {
  constructor(
    private readonly cache: ListCacheService,
    private readonly output: BuildOutputRepository,
  ) {}

  customerList(buildId: string, customerId: string): Promise<CachedList | null> {
    return this.cache.getOrLoad(this.cache.customerKey(buildId, customerId), () =>
      this.output.recommendations(buildId, customerId),
    );
  }

  /** The top of the customer's stored list (the usual call's answer), read through the cache. */
  customerTop(buildId: string, customerId: string): Promise<CachedTop | null> {
    return this.cache.getOrLoadTop(this.cache.customerTopKey(buildId, customerId), () =>
      this.output.recommendations(buildId, customerId),
    );
  }

  itemList(buildId: string, kind: ItemListKind, key: string): Promise<CachedList | null> {
    return this.cache.getOrLoad(this.cache.itemListKey(buildId, kind, key), () =>
      this.output.itemList(buildId, kind, key),
    );
  }
}
