import { Inject, Injectable } from '@nestjs/common';
import type { Strategy } from '@nextbuy/contracts';
import { type RequestContext, ruleReason, type RuledItem, type RuleEffect } from '@nextbuy/engine';
import type { AnswerItem, ListItem } from '@nextbuy/server';
import { type CatalogProduct, ServingCatalogService } from '../catalog/serving-catalog.service';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';
import { ServingRulesService } from './serving-rules.service';
import type { ShapeState } from './shaped-tops';

/** An item an answer lists: what filters and the answer log read, and how it is written. */
export type ServedItem = ListItem & AnswerItem;

/** A cached item (it writes itself, and may add one reason). */
type Writable = ListItem & { write(out: Buffer[], rank: number, extraReason?: Buffer): void };

/** What one answer asks of the serve-time shaping. */
export interface ServeTimeRequest {
  /** Items to answer. */
  limit: number;
  /** Rules apply (an experiment variant may turn them off). */
  rules: boolean;
  /** Cap on one category's share (the request's, else the configured default). */
  maxCategoryShare?: number;
  /** The customer's segment, when a rule needs it (`segmentNeeded`). */
  segment?: string | null;
  /** The product being viewed. */
  productId?: string;
  /** The category being browsed. */
  category?: string;
  /** Whether a product a pin brings in may appear in this answer (the request's own filters). */
  admit?: (product: CatalogProduct, strategy: Strategy) => boolean;
  /** The request's time (rules' validity windows); the clock when absent. */
  now?: number;
}

/** The strategy an answer names for a product a pin brought in: no personal signal put it there. */
export const PINNED_STRATEGY: Strategy = 'popular';

/**
 * What an answer's list goes through at serve time, after it is read and before the limit: the
 * catalogue (an unavailable product never appears, within a second of `PUT /v1/products`), the
 * merchandising rules (docs/rules.md) and the category cap. One seam for every answer: customer
 * lists, similar, bought-together, the MCP tool.
 */
@Injectable()
export class MerchandisingService {
  constructor(
    private readonly catalog: ServingCatalogService,
    private readonly rules: ServingRulesService,
    @Inject(SERVING_CONFIG) private readonly config: ServingConfig,
  ) {}

  private readonly lookup = (id: string) => this.catalog.product(id);

  /** Whether the request's rules need the customer's segment (looked up only then). */
  segmentNeeded(rulesOn: boolean): boolean {
    return rulesOn && this.rules.current.needsSegment;
  }

  /** The cap that applies: the request's, else the configured default (1 = none). */
  share(requested: number | undefined): number {
    return requested ?? this.config.maxCategoryShare;
  }

  /**
   * Whether the first `n` items of a ready-made answer stand as they are: all available, no cap to
   * apply, and no rule that would touch them. A boost, bury or pin that holds for the request may
   * reach items past `n`, so any of those sends the request down the full path.
   */
  readyAnswerStands(productIds: readonly string[], n: number, req: ServeTimeRequest): boolean {
    if (this.share(req.maxCategoryShare) < 1) return false;
    if (this.catalog.anyUnavailable)
      for (let i = 0; i < n; i++) if (this.catalog.product(productIds[i]!)?.available === false) return false;
    if (!req.rules) return true;
    const rules = this.rules.current;
    if (rules.size === 0) return true;
    const ctx = this.context(req);
    if (rules.reordersFor(ctx)) return false;
    const head: { product_id: string; score: number }[] = [];
    for (let i = 0; i < n; i++) head.push({ product_id: productIds[i]!, score: 0 });
    return rules.apply(head, ctx, this.lookup) === null;
  }

  /**
   * What, besides the list, decides the usual call's shaped answer (`ShapedTops`): the catalogue's
   * revision and the rules that hold. `undefined` when the answer also depends on its `limit` (a
   * category cap), so a longer one's prefix would not be it.
   */
  shapeState(req: ServeTimeRequest): ShapeState | undefined {
    if (this.share(req.maxCategoryShare) < 1) return undefined;
    const rules = req.rules && this.rules.current.size > 0 ? this.rules.current : null;
    return {
      catalogue: this.catalog.revision,
      rules,
      activeKey: rules === null ? '' : rules.activeKey(this.context(req)),
    };
  }

  /** The answer's items: available ones, rules applied, the category cap, cut to `limit`. */
  shape<T extends Writable>(items: readonly T[], req: ServeTimeRequest): ServedItem[] {
    const available = items.filter((i) => this.catalog.product(i.product_id)?.available !== false);
    let listed: ServedItem[] = available;
    if (req.rules && this.rules.current.size > 0) {
      const ruled = this.rules.current.apply(available, this.context(req), this.lookup);
      if (ruled !== null) listed = this.served(ruled, req);
    }
    return capCategories(listed, req.limit, this.share(req.maxCategoryShare));
  }

  private context(req: ServeTimeRequest): RequestContext {
    return {
      now: req.now ?? Date.now(),
      segment: req.segment,
      productId: req.productId,
      category: req.category,
    };
  }

  private served<T extends Writable>(ruled: RuledItem<T>[], req: ServeTimeRequest): ServedItem[] {
    const out: ServedItem[] = [];
    for (const r of ruled) {
      if (r.item !== null) {
        out.push(r.effect ? new RuleTouchedItem(r.item, r.effect.ruleId, r.effect.effect) : r.item);
        continue;
      }
      const product = this.catalog.product(r.productId);
      if (!product || !r.effect || (req.admit && !req.admit(product, PINNED_STRATEGY))) continue;
      out.push(new PinnedProductItem(product, r.effect.ruleId));
    }
    return out;
  }
}

/** At most max(1, ⌊share × limit⌋) items of one category (items without one are not capped), then `limit`. */
export function capCategories<T extends ListItem>(items: readonly T[], limit: number, share: number): T[] {
  const perCategory = share >= 1 ? Infinity : Math.max(1, Math.floor(share * limit));
  const used = new Map<string, number>();
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= limit) break;
    const c = item.category;
    if (c !== null && perCategory !== Infinity) {
      const n = used.get(c) ?? 0;
      if (n >= perCategory) continue;
      used.set(c, n + 1);
    }
    out.push(item);
  }
  return out;
}

/** A listed item a rule moved: written as stored, with the rule's reason added (attribution 0). */
class RuleTouchedItem implements ServedItem {
  readonly product_id: string;
  readonly category: string | null;
  readonly strategy: Strategy;
  readonly score: number;
  private readonly reason: Buffer;

  constructor(
    private readonly item: Writable,
    ruleId: number,
    effect: RuleEffect,
  ) {
    this.product_id = item.product_id;
    this.category = item.category;
    this.strategy = item.strategy;
    this.score = item.score;
    this.reason = Buffer.from(JSON.stringify(ruleReason(ruleId, effect)));
  }

  write(out: Buffer[], rank: number): void {
    this.item.write(out, rank, this.reason);
  }
}

/** A product a pin brought in from the catalogue: score 0, its one reason the rule (attribution 1). */
class PinnedProductItem implements ServedItem {
  readonly product_id: string;
  readonly category: string | null;
  readonly strategy = PINNED_STRATEGY;
  readonly score = 0;

  constructor(
    private readonly product: CatalogProduct,
    private readonly ruleId: number,
  ) {
    this.product_id = product.product_id;
    this.category = product.category;
  }

  write(out: Buffer[], rank: number): void {
    const reason = { ...ruleReason(this.ruleId, 'pinned'), attribution: 1 };
    // SPEC field order, as every stored item.
    out.push(
      Buffer.from(
        JSON.stringify({
          product_id: this.product_id,
          name: this.product.name,
          category: this.product.category,
          score: this.score,
          rank,
          strategy: this.strategy,
          reasons: [reason],
        }),
      ),
    );
  }
}
