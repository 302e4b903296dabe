import { HttpStatus, Injectable } from '@nestjs/common';
import {
  DEFAULT_VARIANT,
  GLOBAL_POPULAR_KEY,
  recommendationId as recommendationIdAt,
  type ProductListResponse,
  type VariantConfig,
} from '@nextbuy/contracts';
import { CatalogRepository } from '@nextbuy/db';
import { ApiError, CachedList, CachedTop, rankedItems, TOP_ITEMS, writeItems } from '@nextbuy/server';
import { ActiveBuildService } from '../builds/active-build.service';
import { StoredListsService } from '../cache/stored-lists.service';
import { type Assignment, RunningExperimentService } from '../experiments/running-experiment.service';
import { blendList } from '../experiments/variant-blend';
import { RecommendationLogService } from '../feedback/recommendation-log.service';
import { MerchandisingService, type ServeTimeRequest } from '../rules/merchandising.service';
import { type ShapeState, ShapedTops } from '../rules/shaped-tops';
import type { ItemListQuery, RecommendationsQuery } from './recommendations.query';
import { firstItems, shapeList } from './request-filters';

/** What closes an answer after its items. */
const CLOSE = ']}';
const CLOSE_ANSWER = Buffer.from(CLOSE);

export type ProductListKind = 'similar' | 'bought_together';

@Injectable()
export class RecommendationsService {
  constructor(
    private readonly activeBuild: ActiveBuildService,
    private readonly lists: StoredListsService,
    private readonly catalog: CatalogRepository,
    private readonly experiments: RunningExperimentService,
    private readonly log: RecommendationLogService,
    private readonly merchandising: MerchandisingService,
    private readonly shapedTops: ShapedTops,
  ) {}

  /**
   * The customer's stored list (or, for a customer the build has no list for, the popular list of
   * their segment, else the global one), shaped by the request's filters. With `product_id`, what
   * is bought together with that product comes first and the product itself is left out.
   * While an experiment runs, the customer's variant shapes the list first (a popularity-only
   * variant answers the popular list and ignores `product_id`'s context), and every answer is logged
   * (write-behind) so feedback can be attributed to its build, variant, positions and strategies.
   * With `task`, everything comes from that prediction task's published build (404 for an unknown task).
   * The answer is the JSON of a `RecommendationsResponse`, its items copied from cached bytes:
   * the usual call (no filters, `limit` ≤ `TOP_ITEMS`, no blend) from the list's cached top, or,
   * when rules or the catalogue reshape it, from the shaped answer kept for that list (`ShapedTops`),
   * as text or bytes as the top holds them (`CachedTop.answer`); any other call as bytes.
   */
  async forCustomer(customerId: string, query: RecommendationsQuery): Promise<Buffer | string> {
    // `?task=`: that task's published build (its lists, its popular answer for everyone else).
    const buildId = await this.activeBuild.require(query.task);
    const assignment = this.experiments.assign(customerId);
    const config = assignment?.variant.config;
    const rulesOn = config?.rules !== false;
    const serveTime: ServeTimeRequest = {
      limit: query.limit,
      rules: rulesOn,
      maxCategoryShare: query.max_category_share,
      productId: query.product_id,
      category: query.category,
      segment: this.merchandising.segmentNeeded(rulesOn)
        ? await this.catalog.customerSegment(customerId)
        : undefined,
      admit: (product, strategy) =>
        !query.exclude.includes(product.product_id) &&
        product.product_id !== query.product_id &&
        (query.type === 'all' || query.type === strategy) &&
        (query.category === undefined || product.category === query.category),
      now: Date.now(),
    };
    /** Set when the usual call's answer is shaped below: kept for this list (its token) and state. */
    let keep: { token: string; state: ShapeState } | undefined;
    if (isUsualCall(query, config)) {
      const top = await this.lists.customerTop(buildId, customerId);
      // `null`: the build has no list for this customer; the popular fallback below answers.
      if (top !== null) {
        // The ready answer stands unless the catalogue, a rule or the category cap changes its items.
        if (this.merchandising.readyAnswerStands(top.productIds, Math.min(query.limit, top.size), serveTime))
          return this.answerFromTop(customerId, buildId, assignment, top, query.limit);
        const state = this.shapedTops.enabled ? this.merchandising.shapeState(serveTime) : undefined;
        if (state !== undefined) {
          const shaped = this.shapedTops.get(buildId, customerId, top.token, state);
          if (shaped !== undefined)
            return this.answerFromTop(customerId, buildId, assignment, shaped, query.limit);
          keep = { token: top.token, state };
        }
      }
    }
    const popularOnly = config?.source === 'popular';
    const [own, context] = await Promise.all([
      popularOnly ? null : this.lists.customerList(buildId, customerId),
      query.product_id === undefined || popularOnly
        ? null
        : this.lists.itemList(buildId, 'bought_together', query.product_id),
    ]);
    const stored = own ?? (await this.popularFor(buildId, customerId));
    // Every item that passes the request's filters, in answer order; then the serve-time seam
    // (catalogue, rules, category cap) cuts it to `limit`.
    const listed = shapeList(
      blendList(stored, config?.strategy_weights),
      {
        limit: Infinity,
        type: query.type,
        category: query.category,
        exclude: query.exclude,
        productId: query.product_id,
      },
      context ?? [],
    );
    // The usual call shaped here is kept (as `TOP_ITEMS` items: without a category cap a smaller
    // `limit` answers a prefix of them) when the list read is the one its top stands for.
    if (keep !== undefined && own !== null && own.token === keep.token) {
      const shaped = CachedTop.ofAnswer(
        this.merchandising.shape(listed, { ...serveTime, limit: TOP_ITEMS }),
        keep.token,
      );
      this.shapedTops.set(buildId, customerId, keep.token, keep.state, shaped);
      return this.answerFromTop(customerId, buildId, assignment, shaped, query.limit);
    }
    const items = this.merchandising.shape(listed, serveTime);
    const head = this.logAnswer(
      customerId,
      buildId,
      assignment,
      items.map((i) => i.product_id),
      items.map((i) => i.strategy),
    );
    const out = [Buffer.from(head)];
    writeItems(out, items);
    out.push(CLOSE_ANSWER);
    return Buffer.concat(out);
  }

  /** The answer of the first `limit` items of a ready-made top. */
  private answerFromTop(
    customerId: string,
    buildId: string,
    assignment: Assignment | null,
    top: CachedTop,
    limit: number,
  ): Buffer | string {
    const n = Math.min(limit, top.size);
    const head = this.logAnswer(
      customerId,
      buildId,
      assignment,
      top.productIds.slice(0, n),
      top.strategies.slice(0, n),
    );
    return top.answer(head, n, CLOSE);
  }

  /** Logs the answer (write-behind) and returns its JSON up to the items: `{…,"items":[`. */
  private logAnswer(
    customerId: string,
    buildId: string,
    assignment: Assignment | null,
    productIds: string[],
    strategies: string[],
  ): string {
    const servedAt = Date.now();
    const recommendationId = recommendationIdAt(servedAt);
    const variant = assignment?.variant.name ?? DEFAULT_VARIANT;
    this.log.record({
      recommendationId,
      servedAt: new Date(servedAt),
      customerId,
      buildId,
      experimentId: assignment?.experimentId ?? null,
      variant,
      productIds,
      strategies,
    });
    // Field order of RecommendationsResponse; the id is a UUID and needs no escaping.
    return (
      `{"customer_id":${JSON.stringify(customerId)},"build_id":${JSON.stringify(buildId)},` +
      `"recommendation_id":"${recommendationId}","variant":${JSON.stringify(variant)},"items":[`
    );
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
    // The viewed product is the rules' context; a pin never brings the product itself in.
    const shaped = this.merchandising.shape(firstItems(items ?? [], Infinity), {
      limit: query.limit,
      rules: true,
      maxCategoryShare: query.max_category_share,
      productId,
      admit: (product) => product.product_id !== productId,
    });
    return { product_id: productId, build_id: buildId, items: rankedItems(shaped) };
  }

  private async popularFor(buildId: string, customerId: string): Promise<CachedList> {
    const segment = await this.catalog.customerSegment(customerId);
    const list =
      (segment === null ? null : await this.lists.itemList(buildId, 'popular', segment)) ??
      (await this.lists.itemList(buildId, 'popular', GLOBAL_POPULAR_KEY)) ??
      CachedList.of([]);
    return list.as('popular');
  }
}

/**
 * The storefront's usual call: no filters, no viewed product, a `limit` the cached top holds, and no
 * variant that reorders or replaces the personal list.
 */
function isUsualCall(query: RecommendationsQuery, config: VariantConfig | undefined): boolean {
  return (
    query.limit <= TOP_ITEMS &&
    query.type === 'all' &&
    query.category === undefined &&
    query.exclude.length === 0 &&
    query.product_id === undefined &&
    (config === undefined ||
      (config.source !== 'popular' && Object.keys(config.strategy_weights ?? {}).length === 0))
  );
}
