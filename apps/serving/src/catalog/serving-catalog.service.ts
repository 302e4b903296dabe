import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { type Attributes, CATALOG_CHANGED_CHANNEL } from '@nextbuy/contracts';
import { CatalogRepository, type ProductReadRow } from '@nextbuy/db';
import { FollowedState, InjectEnv } from '@nextbuy/server';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';

/** A product as serving sees it: what answers render (name, category) and what rules may read. */
export interface CatalogProduct {
  readonly product_id: string;
  readonly name: string | null;
  readonly category: string | null;
  readonly brand: string | null;
  readonly price: number | null;
  readonly available: boolean;
  readonly attributes: Readonly<Attributes>;
}

/**
 * How far back each catch-up reads before the previous one's clock: an upsert's `updated_at` is its
 * transaction's start, so one that committed after the previous read may carry an earlier time.
 * Upserts are single short statements; a few seconds covers them with room to spare.
 */
export const CATALOG_CATCH_UP_OVERLAP_MS = 5000;

/**
 * The product catalogue in memory, for rendering answers at serve time (names, categories, the
 * names reasons cite) and for request-time rules. Loaded whole at boot from Postgres, then kept
 * current by catch-ups that read only the products changed since the last one
 * (`CatalogRepository.productChanges`): at once when ingestion announces a change on
 * `CATALOG_CHANGED_CHANNEL`, and every `catalogPollIntervalMs` for changes nobody announced (bulk
 * imports, a message lost while the subscriber reconnected). The message is only a cue: what changed
 * is always read from the database, so a stray message costs one cheap query.
 *
 * Memory: one frozen object per product, with category and brand strings shared between products
 * (a few hundred distinct values for 50k products): ~12.5 MB of heap for 50k products with three
 * attributes each (BENCHMARKS.md, compact lists).
 */
@Injectable()
export class ServingCatalogService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ServingCatalog');
  private readonly followed: FollowedState<void>;
  private readonly products = new Map<string, CatalogProduct>();
  /** Category and brand strings, one copy each. */
  private readonly strings = new Map<string, string>();
  /** Database clock of the last catch-up; `undefined` until the first full load succeeded. */
  private asOf: Date | undefined;
  private changes = 0;
  private unavailable = 0;

  constructor(
    private readonly catalog: CatalogRepository,
    @InjectEnv() env: Env,
    @Inject(SERVING_CONFIG) config: ServingConfig,
  ) {
    this.followed = new FollowedState({
      redisUrl: env.REDIS_URL,
      channel: CATALOG_CHANGED_CHANNEL,
      pollIntervalMs: config.catalogPollIntervalMs,
      read: () => this.catchUp(),
      onError: () => undefined, // `catchUp` reports its own failures
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.followed.start();
  }

  onApplicationShutdown(): void {
    this.followed.stop();
  }

  /** Products known (stubs that only events named included). */
  get size(): number {
    return this.products.size;
  }

  /**
   * Moves whenever a product held changes or one is added (a catch-up that re-reads a product as it
   * was moves nothing): what serving worked out from the catalogue (`ShapedTops`) holds while it stays.
   */
  get revision(): number {
    return this.changes;
  }

  /** Whether any product held is unavailable (when none is, an answer need not check its items). */
  get anyUnavailable(): boolean {
    return this.unavailable > 0;
  }

  /** The product with this id, `undefined` for one the catalogue does not hold. */
  product(productId: string): CatalogProduct | undefined {
    return this.products.get(productId);
  }

  /** An answer's `name` of the product: `null` when it has none (or is unknown). */
  name(productId: string): string | null {
    return this.products.get(productId)?.name ?? null;
  }

  /** An answer's `category` of the product: `null` when it has none (or is unknown). */
  category(productId: string): string | null {
    return this.products.get(productId)?.category ?? null;
  }

  /** How a reason names a product it cites ("similar to X"): its name, else its id (as builds word it). */
  viaName(productId: string): string {
    return this.products.get(productId)?.name || productId;
  }

  /** Catches up now (joining a catch-up under way, see `FollowedState`). */
  refresh(): Promise<void> {
    return this.followed.refresh();
  }

  /**
   * Reads the changes since the last catch-up (everything, the first time). A failed read keeps
   * what is held and is retried at the next poll: a Postgres hiccup must not stop serving.
   */
  private async catchUp(): Promise<void> {
    const since = this.asOf && new Date(this.asOf.getTime() - CATALOG_CATCH_UP_OVERLAP_MS);
    try {
      const { asOf, products } = await this.catalog.productChanges(since);
      for (const row of products) {
        const held = this.products.get(row.product_id);
        const product = this.toProduct(row);
        // Catch-ups overlap (see above): a product read again unchanged keeps its object, so what
        // rules remember of it (per object) and the revision both hold.
        if (held !== undefined && sameProduct(held, product)) continue;
        this.products.set(row.product_id, product);
        this.unavailable += (product.available ? 0 : 1) - (held !== undefined && !held.available ? 1 : 0);
        this.changes++;
      }
      if (!this.asOf) this.logger.log(`Catalogue loaded: ${this.products.size} products`);
      this.asOf = asOf;
    } catch (e) {
      this.logger.warn(`Could not read the catalogue: ${(e as Error).message}`);
    }
  }

  private toProduct(row: ProductReadRow): CatalogProduct {
    return Object.freeze({
      product_id: row.product_id,
      // Builds read a missing name or category as none ('' included): so do answers.
      name: row.name || null,
      category: this.shared(row.category || null),
      brand: this.shared(row.brand),
      price: row.price,
      available: row.available,
      attributes: Object.freeze(row.attributes ?? {}),
    });
  }

  private shared(value: string | null): string | null {
    if (value === null) return null;
    const held = this.strings.get(value);
    if (held !== undefined) return held;
    this.strings.set(value, value);
    return value;
  }
}

function sameProduct(a: CatalogProduct, b: CatalogProduct): boolean {
  return (
    a.name === b.name &&
    a.category === b.category &&
    a.brand === b.brand &&
    a.price === b.price &&
    a.available === b.available &&
    JSON.stringify(a.attributes) === JSON.stringify(b.attributes)
  );
}
