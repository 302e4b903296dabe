import { DEFAULT_TASK_DEFINITION, DEFAULT_TASK_QUERY } from '@nextbuy/contracts';
import { resolveConfig, taskEngineOverrides, DEFAULT_ENGINE_CONFIG } from '../config';
import { buildSnapshot } from '../snapshot';
import { taskAudience } from './audience';
import { parseTaskQuery, TaskQueryError } from './task-query';

const CART_7 =
  "PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('cart_add'), 0, 7, days) RANK TOP 20 FOR EACH customers.customer_id";

function queryError(text: string): TaskQueryError {
  try {
    parseTaskQuery(text);
  } catch (e) {
    if (e instanceof TaskQueryError) return e;
    throw e;
  }
  throw new Error(`${text} parsed`);
}

describe('task language', () => {
  it('parses the default task into exactly the default definition and engine settings', () => {
    expect(parseTaskQuery(DEFAULT_TASK_QUERY)).toEqual(DEFAULT_TASK_DEFINITION);
    expect(resolveConfig(taskEngineOverrides(DEFAULT_TASK_DEFINITION))).toEqual(DEFAULT_ENGINE_CONFIG);
  });

  it('parses the target, the horizon, K and the entity filters', () => {
    expect(parseTaskQuery(CART_7)).toEqual({
      target: { event_types: ['cart_add'], horizon_days: 7 },
      k: 20,
      filter: null,
    });
    expect(
      parseTaskQuery(
        "predict list_distinct(EVENTS.PRODUCT_ID where type = 'purchase' or type = 'cart_add', 0, 14, DAYS) rank top 12 for each customers.customer_id where segment = 'vip'",
      ),
    ).toEqual({
      target: { event_types: ['cart_add', 'purchase'], horizon_days: 14 },
      k: 12,
      filter: { type: 'compare', field: 'segment', op: '=', value: 'vip' },
    });
    expect(
      parseTaskQuery(
        "PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('purchase'), 0, 30, days) RANK TOP 50 FOR EACH customers.customer_id WHERE COUNT(events WHERE type = 'view', -30, 0, days) > 0 AND customers.segment NOT IN ('guest')",
      ).filter,
    ).toEqual({
      type: 'and',
      items: [
        { type: 'count', event_types: ['view'], from_days: -30, to_days: 0, op: '>', value: 0 },
        { type: 'in', field: 'segment', values: ['guest'], negated: true },
      ],
    });
    // NOT over event types, and no WHERE at all (every event type).
    expect(
      parseTaskQuery(
        "PREDICT LIST_DISTINCT(events.product_id WHERE NOT type IN ('view', 'click', 'cart_remove', 'return'), 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id",
      ).target.event_types,
    ).toEqual(['cart_add', 'purchase']);
    expect(
      parseTaskQuery('PREDICT LIST_DISTINCT(events.product_id, 0, 1, days) RANK TOP 1 FOR EACH customers.customer_id')
        .target.event_types,
    ).toHaveLength(6);
  });

  it.each([
    // Syntax: the position and what was expected there.
    ['LIST_DISTINCT(events.product_id, 0, 30, days)', 1, "expected PREDICT, found 'LIST_DISTINCT'"],
    ['PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK 50', 60, "expected TOP, found '50'"],
    [
      'PREDICT LIST_DISTINCT(events.product_id 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id',
      41,
      "expected ',', found '0'",
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id WHERE',
      102,
      "expected a condition (a column, COUNT(…), NOT, '(', true or false), found the end of the query",
    ],
    [
      "PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('view), 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id",
      56,
      'a string that is never closed (strings end with a single quote)',
    ],
    ['', 1, 'expected a task (PREDICT …), found nothing'],
    // What the product cannot answer: the part and why.
    [
      'PREDICT LIST_DISTINCT(purchases.product_id, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id',
      23,
      "unknown table 'purchases': LIST_DISTINCT reads events.product_id",
    ],
    [
      'PREDICT LIST_DISTINCT(events.sku, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id',
      30,
      "unknown column 'events.sku'; expected events.product_id",
    ],
    [
      'PREDICT LIST_DISTINCT(events.customer_id, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id',
      30,
      'a task predicts products',
    ],
    [
      "PREDICT LIST_DISTINCT(events.product_id WHERE type = 'purchased', 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id",
      54,
      "unknown event type 'purchased'; expected 'view', 'click', 'cart_add', 'cart_remove', 'purchase' or 'return'",
    ],
    [
      "PREDICT LIST_DISTINCT(events.product_id WHERE price > 5, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id",
      47,
      'an events WHERE tests the event type only',
    ],
    [
      "PREDICT LIST_DISTINCT(events.product_id WHERE type = 'view' AND type = 'click', 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id",
      41,
      'this WHERE selects no event type',
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 0, 0, days) RANK TOP 5 FOR EACH customers.customer_id',
      45,
      'the horizon must be greater than 0 days (got 0)',
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 0, -7, days) RANK TOP 5 FOR EACH customers.customer_id',
      45,
      'the horizon must be greater than 0 days (got -7)',
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 7, 30, days) RANK TOP 5 FOR EACH customers.customer_id',
      42,
      'its start must be 0 (got 7)',
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 0, 2.5, days) RANK TOP 5 FOR EACH customers.customer_id',
      45,
      'the horizon must be a whole number of days (got 2.5)',
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 0, 48, hours) RANK TOP 5 FOR EACH customers.customer_id',
      49,
      "unit 'hours' is not supported: tasks count whole days",
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 0, 30, fortnights) RANK TOP 5 FOR EACH customers.customer_id',
      49,
      "unknown unit 'fortnights'; expected days",
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK TOP 80 FOR EACH customers.customer_id',
      64,
      'K (RANK TOP 80) is above the stored list length: at most 50',
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK TOP 0 FOR EACH customers.customer_id',
      64,
      'K (RANK TOP K) must be at least 1 (got 0)',
    ],
    [
      'PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK TOP 5 FOR EACH products.product_id',
      75,
      "unknown entity 'products.product_id'",
    ],
    [
      "PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id WHERE country = 'FR'",
      103,
      "unknown column 'country' of customers; expected segment, customer_id or COUNT(events …)",
    ],
    [
      "PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id WHERE segment < 'b'",
      111,
      "segment compares with =, != or IN (found '<')",
    ],
    [
      "PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id WHERE COUNT(events WHERE type = 'view', -30, 7, days) > 0",
      142,
      'a COUNT window must end at or before 0 (as-of)',
    ],
    [
      "PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id WHERE COUNT(orders, -30, 0, days) > 0",
      109,
      'expected COUNT(events …), found orders',
    ],
    [
      "PREDICT LIST_DISTINCT(events.product_id, 0, 30, days) RANK TOP 5 FOR EACH customers.customer_id WHERE COUNT(events, -30, 0, days) > 'x'",
      133,
      "COUNT(…) compares with a number (found 'x')",
    ],
  ])('%s → position %i', (text, position, reason) => {
    const e = queryError(text);
    expect({ position: e.position, reason: e.reason }).toEqual({ position, reason: expect.stringContaining(reason) });
    expect(e.message).toBe(`position ${e.position}: ${e.reason}`);
  });

  it('reports line and column on a query written over several lines', () => {
    const e = queryError("PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('cart_add'), 0, 7, days)\n  RANK TOP 99\n  FOR EACH customers.customer_id");
    expect({ line: e.line, column: e.column }).toEqual({ line: 2, column: 12 });
  });
});

describe('task audience', () => {
  const day = 86_400_000;
  const asOf = Date.UTC(2026, 0, 31);
  const s = buildSnapshot({
    products: [{ product_id: 'P1' }],
    customers: [
      { customer_id: 'A', segment: 'vip' },
      { customer_id: 'B', segment: 'retail' },
      { customer_id: 'C', segment: 'vip' },
    ],
    events: [
      { customer_id: 'A', product_id: 'P1', type: 'view', timestamp: new Date(asOf - 3 * day).toISOString() },
      { customer_id: 'B', product_id: 'P1', type: 'view', timestamp: new Date(asOf - 40 * day).toISOString() },
      { customer_id: 'C', product_id: 'P1', type: 'purchase', timestamp: new Date(asOf - 2 * day).toISOString() },
    ],
    asOf,
  });
  const who = (where: string) => {
    const filter = parseTaskQuery(`${CART_7} WHERE ${where}`).filter;
    const audience = taskAudience(s, filter)!;
    return s.customers.ids.filter((_, c) => audience(c));
  };

  it('selects customers by segment, id and counts of their recent events', () => {
    expect(taskAudience(s, null)).toBeNull();
    expect(who("segment = 'vip'")).toEqual(['A', 'C']);
    expect(who("customer_id IN ('B', 'C')")).toEqual(['B', 'C']);
    expect(who("COUNT(events WHERE type = 'view', -30, 0, days) > 0")).toEqual(['A']);
    expect(who("COUNT(events WHERE type = 'view', -60, 0, days) >= 1")).toEqual(['A', 'B']);
    expect(who("NOT COUNT(events, -30, 0, days) = 0 AND segment != 'retail'")).toEqual(['A', 'C']);
  });
});
