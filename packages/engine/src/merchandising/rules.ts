/**
 * Merchandising rules applied to a ranked list at serve time: pin a product at a position, boost or
 * bury by a factor, filter (include only / exclude). A rules version is compiled once
 * (`compileRules`): each condition becomes a closure, so applying 20 rules to a 50-item list is a
 * few thousand function calls, not a parse.
 *
 * Precedence (docs/rules.md): rules run by priority, highest first, then by id. Filters first
 * (every active filter removes what it excludes); then each item takes the factor of the
 * highest-priority boost or bury that matches it and the list is re-sorted by the new score; then
 * pins place their product, highest priority first: a position a higher rule took pushes a lower
 * rule's product to the next free position, and a product is pinned once.
 */

import {
  compileCondition,
  namedProductIds,
  parseCondition,
  type ProductFields,
  type ProductPredicate,
} from './condition';

export const RULE_KINDS = ['pin', 'boost', 'bury', 'filter'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const FILTER_MODES = ['include', 'exclude'] as const;
export type FilterMode = (typeof FILTER_MODES)[number];

/** Where a rule applies; every given part must hold for the request. */
export interface RuleContext {
  /** The customer's segment. */
  segment?: string | null;
  /** The product being viewed: `product_id` of a customer list, the product of similar / bought-together. */
  product_id?: string | null;
  /** The category being browsed: `category` of a customer list. */
  category?: string | null;
}

/** A stored rule as the engine needs it. */
export interface MerchandisingRule {
  id: number;
  kind: RuleKind;
  condition: string;
  /** `pin`: 1-based position. */
  position?: number | null;
  /** `boost` multiplies the score by it, `bury` divides it (> 1 both). */
  factor?: number | null;
  /** `filter`: keep only what matches, or drop what matches. */
  filter?: FilterMode | null;
  context?: RuleContext | null;
  starts_at?: Date | null;
  ends_at?: Date | null;
  priority: number;
}

/** The request a list answers. */
export interface RequestContext {
  now: number;
  segment?: string | null;
  productId?: string | null;
  category?: string | null;
}

/** How a rule touched an item: what its reason says. */
export type RuleEffect = 'pinned' | 'promoted' | 'demoted';

export interface RuleReason {
  feature: 'rule';
  value: number;
  attribution: 0;
  text: string;
}

/** The reason an item a rule touched carries: attribution 0, so an item's shares still sum to 1. */
export function ruleReason(ruleId: number, effect: RuleEffect): RuleReason {
  return { feature: 'rule', value: ruleId, attribution: 0, text: `${effect} by rule ${ruleId}` };
}

interface CompiledRule {
  /** Position in priority order: the index of its match in a product's memo. */
  index: number;
  rule: MerchandisingRule;
  matches: ProductPredicate;
  startsAt: number;
  endsAt: number;
  /** `pin`: products the condition names, brought in when the list lacks them. */
  pinIds: string[] | null;
}

/** The rules that hold for a context over a span of time [from, until). */
interface ActiveSet {
  readonly rules: CompiledRule[];
  readonly key: string;
  readonly reorders: boolean;
  readonly from: number;
  readonly until: number;
  readonly segment: string | null;
  readonly productId: string | null;
  readonly category: string | null;
}

/** An item after rules: its effect (if any) and, for a product a pin brought in, no source item. */
export interface RuledItem<T> {
  item: T | null;
  productId: string;
  score: number;
  effect: { ruleId: number; effect: RuleEffect } | null;
}

/** The fields rules read of a list item. */
export interface RankableItem {
  readonly product_id: string;
  readonly score: number;
}

/**
 * Looks a product up in the serving catalogue; `undefined` for a product it does not know. Products
 * are read as immutable: a changed product must be a new object (the serving catalogue freezes and
 * replaces them), since what each rule says of a product is remembered per object.
 */
export type ProductLookup = (productId: string) => ProductFields | undefined;

/** A compiled rules version: which rules hold for a request, and their effect on a list. */
export class CompiledRules {
  private readonly rules: CompiledRule[];
  /**
   * What every rule says of a product, computed the first time the product is met: a request then
   * reads one array per item instead of calling every condition. Keyed by the product object, so a
   * product the catalogue replaced is judged afresh, and dropped ones are collected.
   */
  private readonly memo = new WeakMap<ProductFields, Uint8Array>();
  private readonly test = (r: CompiledRule, p: ProductFields): boolean => {
    let m = this.memo.get(p);
    if (m === undefined) {
      m = new Uint8Array(this.rules.length);
      for (const x of this.rules) m[x.index] = x.matches(p) ? 1 : 0;
      this.memo.set(p, m);
    }
    return m[r.index] === 1;
  };

  constructor(
    rules: readonly MerchandisingRule[],
    /** Identifies the rules version (serving compares it with the stored one). */
    readonly version: string,
  ) {
    this.rules = [...rules]
      .sort((a, b) => b.priority - a.priority || a.id - b.id)
      .map((rule, index) => {
        const condition = parseCondition(rule.condition);
        return {
          index,
          rule,
          matches: compileCondition(condition),
          startsAt: rule.starts_at?.getTime() ?? -Infinity,
          endsAt: rule.ends_at?.getTime() ?? Infinity,
          pinIds: rule.kind === 'pin' ? namedProductIds(condition) : null,
        };
      });
  }

  get size(): number {
    return this.rules.length;
  }

  /**
   * The rules that hold for the request (validity window and context), highest priority first.
   * Asked several times per request: the last answer is kept with the span of time it holds for
   * (between the windows' edges around `now`) and the context it was for.
   */
  private active(ctx: RequestContext): CompiledRule[] {
    return this.held(ctx).rules;
  }

  private held(ctx: RequestContext): ActiveSet {
    const segment = ctx.segment ?? null;
    const productId = ctx.productId ?? null;
    const category = ctx.category ?? null;
    const last = this.last;
    if (
      last !== undefined &&
      ctx.now >= last.from &&
      ctx.now < last.until &&
      last.segment === segment &&
      last.productId === productId &&
      last.category === category
    )
      return last;
    const rules: CompiledRule[] = [];
    let from = -Infinity;
    let until = Infinity;
    for (const r of this.rules) {
      for (const edge of [r.startsAt, r.endsAt]) {
        if (edge <= ctx.now) from = Math.max(from, edge);
        else until = Math.min(until, edge);
      }
      if (ctx.now < r.startsAt || ctx.now >= r.endsAt) continue;
      const c = r.rule.context;
      if (c) {
        if (c.segment != null && c.segment !== ctx.segment) continue;
        if (c.product_id != null && c.product_id !== ctx.productId) continue;
        if (c.category != null && c.category !== ctx.category) continue;
      }
      rules.push(r);
    }
    const key = rules.map((r) => r.index).join(',');
    const reorders = rules.some((r) => r.rule.kind !== 'filter');
    this.last = { rules, key, reorders, from, until, segment, productId, category };
    return this.last;
  }
  private last: ActiveSet | undefined;

  /**
   * Whether a boost, bury or pin holds for the request: those can reach any item of a list, so a
   * caller cannot judge their effect from the head of the list alone (filters it can).
   */
  reordersFor(ctx: RequestContext): boolean {
    return this.held(ctx).reorders;
  }

  /**
   * Which rules hold for the request (validity window and context), as a short key: equal keys mean
   * the same rules apply, so `apply` gives the same list for the same items and products. `''`: none.
   */
  activeKey(ctx: RequestContext): string {
    return this.held(ctx).key;
  }

  /** Whether any rule needs the customer's segment (serving looks it up only then); asked per request. */
  get needsSegment(): boolean {
    return (this.segmentNeeded ??= this.rules.some((r) => r.rule.context?.segment != null));
  }
  private segmentNeeded: boolean | undefined;

  /**
   * The list with the rules that hold for `ctx` applied, best first; `null` when none holds or none
   * changes the list (the caller keeps its list as it is, and its ready-made answer). A listed product
   * the catalogue does not know is tested as one with only its id (available, every other field
   * missing); a pin never brings such a product in.
   */
  apply<T extends RankableItem>(
    items: readonly T[],
    ctx: RequestContext,
    lookup: ProductLookup,
  ): RuledItem<T>[] | null {
    const active = this.active(ctx);
    if (active.length === 0) return null;
    let out: RuledItem<T>[] = items.map((item) => ({
      item,
      productId: item.product_id,
      score: item.score,
      effect: null,
    }));
    const fields = new Map<string, ProductFields>();
    const get = (id: string): ProductFields => {
      let p = fields.get(id);
      if (p === undefined) {
        p = lookup(id) ?? unknownProduct(id);
        fields.set(id, p);
      }
      return p;
    };

    const filters = active.filter((r) => r.rule.kind === 'filter');
    let changed = false;
    if (filters.length > 0) {
      const before = out.length;
      const test = this.test;
      out = out.filter((it) => passes(filters, get(it.productId), test));
      changed = out.length !== before;
    }

    const factors = active.filter((r) => r.rule.kind === 'boost' || r.rule.kind === 'bury');
    if (factors.length > 0) {
      let rescored = false;
      for (const it of out) {
        const p = get(it.productId);
        const r = factors.find((f) => this.test(f, p));
        if (!r) continue;
        const factor = r.rule.factor ?? 1;
        const boost = r.rule.kind === 'boost';
        // A negative score moves the other way when multiplied: scale its distance from zero instead.
        const up = boost ? factor : 1 / factor;
        it.score = it.score >= 0 ? it.score * up : it.score / up;
        it.effect = { ruleId: r.rule.id, effect: boost ? 'promoted' : 'demoted' };
        rescored = true;
      }
      if (rescored) out = stableSortByScore(out);
      changed ||= rescored;
    }

    const pins = active.filter((r) => r.rule.kind === 'pin');
    if (pins.length > 0) {
      const pinned = applyPins(out, pins, get, filters, lookup, this.test);
      changed ||= pinned !== out;
      out = pinned;
    }
    return changed ? out : null;
  }
}

function stableSortByScore<T>(items: RuledItem<T>[]): RuledItem<T>[] {
  return items
    .map((it, i) => ({ it, i }))
    .sort((a, b) => b.it.score - a.it.score || a.i - b.i)
    .map((x) => x.it);
}

/** What conditions see of a listed product the catalogue does not know. */
function unknownProduct(id: string): ProductFields {
  return {
    product_id: id,
    name: null,
    category: null,
    brand: null,
    price: null,
    available: true,
    attributes: {},
  };
}

type RuleTest = (r: CompiledRule, p: ProductFields) => boolean;

/** Whether a product survives every filter. */
function passes(filters: readonly CompiledRule[], p: ProductFields, test: RuleTest): boolean {
  for (const r of filters) {
    if (test(r, p) !== (r.rule.filter === 'include')) return false;
  }
  return true;
}

function applyPins<T>(
  items: RuledItem<T>[],
  pins: CompiledRule[],
  get: (id: string) => ProductFields,
  filters: readonly CompiledRule[],
  lookup: ProductLookup,
  test: RuleTest,
): RuledItem<T>[] {
  const placed: (RuledItem<T> | undefined)[] = [];
  const pinned = new Set<string>();
  for (const r of pins) {
    let chosen: RuledItem<T> | undefined;
    for (const it of items) {
      if (pinned.has(it.productId)) continue;
      if (test(r, get(it.productId))) {
        chosen = it;
        break;
      }
    }
    if (!chosen && r.pinIds) {
      // A product the list does not hold: brought in from the catalogue if it is there, available,
      // and no filter removes it.
      for (const id of r.pinIds) {
        if (pinned.has(id)) continue;
        const p = lookup(id);
        if (p && p.available && test(r, p) && passes(filters, p, test)) {
          chosen = { item: null, productId: id, score: 0, effect: null };
          break;
        }
      }
    }
    if (!chosen) continue;
    chosen.effect = { ruleId: r.rule.id, effect: 'pinned' };
    pinned.add(chosen.productId);
    let at = Math.max(0, (r.rule.position ?? 1) - 1);
    while (placed[at] !== undefined) at++;
    placed[at] = chosen;
  }
  if (pinned.size === 0) return items;
  const rest = items.filter((it) => !pinned.has(it.productId));
  const out: RuledItem<T>[] = [];
  let next = 0;
  const length = rest.length + pinned.size;
  for (let i = 0; i < length; i++) {
    const pin = placed[i];
    if (pin) out.push(pin);
    else if (next < rest.length) out.push(rest[next++]!);
  }
  // Pins past the end of a short list follow it, in position order.
  for (let i = length; i < placed.length; i++) if (placed[i]) out.push(placed[i]!);
  return out;
}

/**
 * Checks a rule's condition (and what its kind needs) without storing it: the API's validation.
 * Throws `ConditionSyntaxError` for an expression that does not parse.
 */
export function checkRuleCondition(condition: string): void {
  parseCondition(condition);
}
