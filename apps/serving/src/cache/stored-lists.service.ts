import { Injectable } from '@nestjs/common';
import { BuildOutputRepository, type ItemListKind, type StoredCustomerList } from '@nextbuy/db';
import {
  decodeList,
  type ListDictionary,
  loadListDictionary,
  rankedItemsOf,
  renderItem,
} from '@nextbuy/engine';
import {
  type CachedList,
  CachedTop,
  encodeListCache,
  encodeTopAnswer,
  listToken,
  TOP_ITEMS,
  sendGrouped,
  TurnBatch,
} from '@nextbuy/server';
import { ServingCatalogService } from '../catalog/serving-catalog.service';
import { ListCacheService, type LoadedTop } from './list-cache.service';

/** The top of a customer the build has no list for (cached too: no repeated Postgres reads). */
const NO_TOP: LoadedTop = { top: null, bytes: Buffer.from('null') };

/** Builds whose product dictionaries are kept: the active ones of a few prediction tasks. */
const DICTIONARIES_HELD = 8;

/** The lists a build stored, read through the Redis cache. `null`: the build has no such list. */
@Injectable()
export class StoredListsService {
  /** Each build's product dictionary, loaded once (a few tens of KB; its lists name products by index). */
  private readonly dictionaries = new Map<string, Promise<ListDictionary>>();

  /**
   * Customers' stored lists read from Postgres, the reads of one event-loop turn as one statement
   * per build: on a cold cache a statement per request cost serving more CPU than the rest of the
   * request (BENCHMARKS.md, "Cold reads").
   */
  private readonly rows = new TurnBatch<{ buildId: string; customerId: string }, StoredCustomerList | null>(
    (keys) =>
      sendGrouped(
        keys,
        (key) => key.buildId,
        (buildId, group) =>
          this.output.recommendationsOf(
            buildId,
            group.map((key) => key.customerId),
          ),
      ),
  );

  constructor(
    private readonly cache: ListCacheService,
    private readonly output: BuildOutputRepository,
    private readonly catalogue: ServingCatalogService,
  ) {}

  customerList(buildId: string, customerId: string): Promise<CachedList | null> {
    return this.cache.getOrLoad(this.cache.customerKey(buildId, customerId), async () =>
      this.encodeList(buildId, await this.rows.get({ buildId, customerId })),
    );
  }

  /**
   * The top of the customer's stored list (the usual call's answer), read through the cache. On a
   * miss only the top's items are decoded and rendered (a packed list holds 50).
   */
  customerTop(buildId: string, customerId: string): Promise<CachedTop | null> {
    return this.cache.getOrLoadTop(this.cache.customerTopKey(buildId, customerId), async () => {
      const stored = await this.rows.get({ buildId, customerId });
      if (stored === null) return NO_TOP;
      if (Array.isArray(stored)) {
        const bytes = Buffer.from(encodeTopAnswer(stored, storedListToken(stored)), 'utf8');
        return { top: CachedTop.decode(bytes) ?? null, bytes };
      }
      const list = decodeList(stored, await this.dictionary(buildId), TOP_ITEMS);
      return CachedTop.rendered(
        list.items.map((item, i) => renderItem(item, i + 1, list.segment, this.catalogue)),
        list.items.map((item) => item.product_id),
        list.items.map((item) => item.strategy),
        storedListToken(stored),
      );
    });
  }

  itemList(buildId: string, kind: ItemListKind, key: string): Promise<CachedList | null> {
    return this.cache.getOrLoad(this.cache.itemListKey(buildId, kind, key), async () =>
      this.encodeList(buildId, await this.output.itemList(buildId, kind, key)),
    );
  }

  /**
   * A stored list's cache value: a compact list is read with its build's dictionary and worded from
   * the catalogue as it is now. Its token is the digest of the stored row, so the list and its top
   * (`customerTop`), each read from the row on its own, carry the same.
   */
  private async encodeList(buildId: string, stored: StoredCustomerList | null): Promise<string> {
    if (stored === null) return 'null';
    const items = Array.isArray(stored)
      ? stored
      : rankedItemsOf(decodeList(stored, await this.dictionary(buildId)), this.catalogue);
    return encodeListCache(items, storedListToken(stored));
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

/** A stored list's token: the digest of its packed row (of its JSON, for a build stored before packing). */
function storedListToken(stored: StoredCustomerList): string {
  return listToken(Array.isArray(stored) ? JSON.stringify(stored) : stored);
}
