/**
 * Features of a (customer, product) pair, the ranker's input. Each feature belongs to the strategy
 * whose evidence it measures (or to the item / customer), and says in words what its value means,
 * so an attribution of the model's score to a feature reads as a reason.
 */

import type { Strategy } from '../strategies/types';

export type FeatureGroup = Strategy | 'item' | 'customer';

/** What a reason's text may refer to besides the feature's value. */
export interface ReasonContext {
  /** Name of the product that led to the candidate in this feature's strategy (if any). */
  viaName?: string;
  /** Customers / orders behind a graph edge. */
  support?: number;
  categoryName?: string;
  segmentName?: string;
}

export interface FeatureDef {
  name: string;
  group: FeatureGroup;
  /** The merchandiser's sentence for this feature's value. */
  text: (value: number, ctx: ReasonContext) => string;
}

/** Value used for "never" in day-distance features: beyond any history the engine looks at. */
export const NEVER_DAYS = 1000;

const n = (v: number, digits = 0) => v.toFixed(digits);
const pct = (v: number) => `${n(v * 100)}%`;
const plural = (v: number, one: string, many = `${one}s`) => `${n(v)} ${Math.round(v) === 1 ? one : many}`;
/** "… today" / "… 3 days ago", or `never` when the customer has no such event. */
const ago = (what: string, v: number, never: string) =>
  v >= NEVER_DAYS ? never : `${what} ${v < 0.5 ? 'today' : `${plural(v, 'day')} ago`}`;
/** Average days between orders: several orders a day reads as such, not "every 0 days". */
const interval = (v: number) =>
  v < 0.5
    ? 'you order several times a day'
    : v < 1.5
      ? 'you order about every day'
      : `you order about every ${n(v)} days`;

export const FEATURES: readonly FeatureDef[] = [
  {
    name: 'repurchase_score',
    group: 'repurchase',
    text: (v) => `bought recently and often (recency-weighted ${n(v, 1)} orders)`,
  },
  { name: 'own_purchases', group: 'repurchase', text: (v) => `bought this ${plural(v, 'time')}` },
  { name: 'days_since_purchase', group: 'repurchase', text: (v) => ago('last bought', v, 'never bought it') },
  {
    name: 'due_ratio',
    group: 'repurchase',
    text: (v) => `due for a re-order: ${n(v * 100)}% of the usual re-order interval has passed`,
  },
  { name: 'interest', group: 'repurchase', text: (v) => `your interactions with it (weighted ${n(v, 1)})` },
  {
    name: 'returned',
    group: 'repurchase',
    text: (v) => (v > 0 ? 'you returned it' : 'never returned by you'),
  },
  {
    name: 'days_since_first_purchase',
    group: 'repurchase',
    text: (v) => ago('first bought', v, 'never bought it'),
  },
  { name: 'own_quantity_log', group: 'repurchase', text: (v) => `${n(Math.expm1(v))} units bought so far` },
  {
    name: 'collaborative',
    group: 'collaborative',
    text: (_v, c) =>
      c.viaName
        ? `${c.support ? `${plural(c.support, 'customer')} who bought` : 'customers who bought'} ${c.viaName} also bought it`
        : 'customers with similar baskets bought it',
  },
  {
    name: 'together',
    group: 'complementary',
    text: (_v, c) =>
      `often bought with ${c.viaName ?? 'your recent items'}${c.support ? ` (${plural(c.support, 'order')})` : ''}`,
  },
  {
    name: 'after',
    group: 'complementary',
    text: (_v, c) =>
      `often bought after ${c.viaName ?? 'your recent items'}${c.support ? ` (${plural(c.support, 'customer')})` : ''}`,
  },
  {
    name: 'attribute_similarity',
    group: 'affinity_similar',
    text: (_v, c) => (c.viaName ? `similar to ${c.viaName}, which you like` : 'similar to products you like'),
  },
  {
    name: 'category_share',
    group: 'category_preference',
    text: (v, c) => `${pct(v)} of your interest is in ${c.categoryName ?? 'its category'}`,
  },
  {
    name: 'category_rank_score',
    group: 'category_preference',
    text: (v, c) =>
      `among the best sellers of ${c.categoryName ?? 'its category'} (${pct(v)} of the top seller's sales)`,
  },
  {
    name: 'buyers_30d',
    group: 'popular',
    text: (v) => `bought by ${plural(v, 'customer')} in the last 30 days`,
  },
  {
    name: 'buyers_segment_30d',
    group: 'popular',
    text: (v, c) =>
      `bought by ${plural(v, 'customer')} in ${c.segmentName ?? 'your segment'} in the last 30 days`,
  },
  {
    name: 'trend',
    group: 'popular',
    text: (v) => `sales ${v >= 1 ? 'picking up' : 'slowing'}: ${n(v, 1)}× the usual weekly pace`,
  },
  {
    name: 'popularity_decayed',
    group: 'popular',
    text: (v) => `recent sales (recency-weighted ${n(v)} orders)`,
  },
  { name: 'buyers_total', group: 'popular', text: (v) => `bought by ${plural(v, 'customer')} overall` },
  { name: 'repeat_rate', group: 'item', text: (v) => `${pct(v)} of its buyers buy it again` },
  { name: 'return_rate', group: 'item', text: (v) => `returned on ${pct(v)} of purchases` },
  { name: 'price_log', group: 'item', text: (v) => `priced ${n(Math.expm1(v), 2)}` },
  {
    name: 'item_age_days',
    group: 'item',
    text: (v) => (v < 0.5 ? 'new in the catalogue today' : `on sale for ${plural(v, 'day')}`),
  },
  { name: 'customer_orders', group: 'customer', text: (v) => `you placed ${plural(v, 'order')}` },
  { name: 'days_since_order', group: 'customer', text: (v) => ago('your last order was', v, 'no order yet') },
  { name: 'order_interval', group: 'customer', text: interval },
  {
    name: 'customer_distinct_items',
    group: 'customer',
    text: (v) => `you bought ${plural(v, 'different product')}`,
  },
  { name: 'order_share', group: 'repurchase', text: (v) => `in ${pct(v)} of your orders` },
  { name: 'own_rank', group: 'repurchase', text: (v) => `your #${n(v)} most re-ordered product` },
  {
    name: 'in_last_order',
    group: 'repurchase',
    text: (v) => (v > 0 ? 'in your last order' : 'not in your last order'),
  },
  { name: 'growth', group: 'popular', text: (v) => `buyers this month ${n(v, 1)}× the month before` },
  {
    name: 'recent_orders',
    group: 'customer',
    text: (v) => `you placed ${plural(v, 'order')} in the last 90 days`,
  },
  {
    name: 'purchases_30d',
    group: 'repurchase',
    text: (v) => `bought this ${plural(v, 'time')} in the last 30 days`,
  },
  {
    name: 'purchases_90d',
    group: 'repurchase',
    text: (v) => `bought this ${plural(v, 'time')} in the last 90 days`,
  },
  {
    name: 'expected_repurchase',
    group: 'repurchase',
    text: (v) => `${pct(v)} chance of a re-order in the next 30 days at your usual pace`,
  },
  {
    name: 'orders_since_purchase',
    group: 'repurchase',
    text: (v) => `last bought ${plural(v, 'order')} ago`,
  },
  { name: 'in_recent_orders', group: 'repurchase', text: (v) => `in ${n(v)} of your last 5 orders` },
  {
    name: 'similar_customers',
    group: 'collaborative',
    text: () => 'customers with baskets like yours bought it lately',
  },
  {
    name: 'similar_customers_count',
    group: 'collaborative',
    text: (v) => `${plural(v, 'customer')} with similar baskets bought it in the last 30 days`,
  },
  {
    name: 'repurchase_relative',
    group: 'repurchase',
    text: (v) => `${pct(v)} as re-ordered as your top product`,
  },
  {
    name: 'collaborative_relative',
    group: 'collaborative',
    text: (v) => `${pct(v)} of your strongest "also bought" link`,
  },
  {
    name: 'together_relative',
    group: 'complementary',
    text: (v) => `${pct(v)} of your strongest "bought with" link`,
  },
];

export const FEATURE_COUNT = FEATURES.length;
export const FEATURE_INDEX: Readonly<Record<string, number>> = Object.fromEntries(
  FEATURES.map((f, i) => [f.name, i]),
);
export const F = {
  repurchase_score: 0,
  own_purchases: 1,
  days_since_purchase: 2,
  due_ratio: 3,
  interest: 4,
  returned: 5,
  days_since_first_purchase: 6,
  own_quantity_log: 7,
  collaborative: 8,
  together: 9,
  after: 10,
  attribute_similarity: 11,
  category_share: 12,
  category_rank_score: 13,
  buyers_30d: 14,
  buyers_segment_30d: 15,
  trend: 16,
  popularity_decayed: 17,
  buyers_total: 18,
  repeat_rate: 19,
  return_rate: 20,
  price_log: 21,
  item_age_days: 22,
  customer_orders: 23,
  days_since_order: 24,
  order_interval: 25,
  customer_distinct_items: 26,
  order_share: 27,
  own_rank: 28,
  in_last_order: 29,
  growth: 30,
  recent_orders: 31,
  purchases_30d: 32,
  purchases_90d: 33,
  expected_repurchase: 34,
  orders_since_purchase: 35,
  in_recent_orders: 36,
  similar_customers: 37,
  similar_customers_count: 38,
  repurchase_relative: 39,
  collaborative_relative: 40,
  together_relative: 41,
} as const;
