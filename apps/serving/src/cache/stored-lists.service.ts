import { Injectable } from '@nestjs/common';
import type { RankedItem } from '@nextbuy/contracts';
import { BuildOutputRepository, type ItemListKind, type StoredCustomerList } from '@nextbuy/db';
import { decodeList, type ListDictionary, loadListDictionary, rankedItemsOf } from '@nextbuy/engine';
import type { CachedList, CachedTop } from '@nextbuy/server';
import { ServingCatalogService } from '../catalog/serving-catalog.service';
import { ListCacheService } from './list-cache.service';

/** Builds whose product dictionaries are kept: the active ones of a few prediction tasks. */
const DICTIONARIES_HELD = 8;

/** The lists a build stored, read through the Redis cache. `null`: the build has no such list. */
@Injectable()
export class StoredListsService {
  /** Each build's product dictionary, loaded once (a few tens of KB; its lists name products by index). */
  private readonly dictionaries = new Map<string, Promise<ListDictionary>>();

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
      this.itemsOf(buildId, await this.output.itemList(buildId, kind, key)),
    );
  }

  private async loadCustomerList(buildId: string, customerId: string): Promise<RankedItem[] | null> {
    return this.itemsOf(buildId, await this.output.recommendations(buildId, customerId));
  }

  /** A stored list's items: a compact list is read with its build's dictionary, worded from the catalogue as it is now. */
  private async itemsOf(buildId: string, stored: StoredCustomerList | null): Promise<RankedItem[] | null> {
    if (stored === null || Array.isArray(stored)) return stored;
    return rankedItemsOf(decodeList(stored, await this.dictionary(buildId)), this.catalogue);
  }

  /** The build's product dictionary, loaded on its first list (a failed load is retried by the next). */
  private dictionary(buildId: string): Promise<ListDictionary> {
    let known = this.dictionaries.get(buildId);
    if (!known) {
      if (this.dictionaries.size >= DICTIONARIES_HELD)
        this.dictionaries.delete(this.dictionaries.keys().next().value!);
      known = loadListDictionary(this.output, buildId);
      known.catch(() => this.dictionaries.delete(buildId));
      this.dictionaries.set(buildId, known);
    }
    return known;
  }
}
