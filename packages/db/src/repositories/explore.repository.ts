import type {
  CustomerView,
  DailyEventCounts,
  EventType,
  HistoryEvent,
  ProductView,
  SimilarCustomer,
  StatusView,
} from '@nextbuy/contracts';
import { rowsOf, type SqlExecutor } from './sql';

/**
 * Customers sharing at least one purchased product are ranked by shared products first; only this
 * many are then scored by overlap (Jaccard), so a customer of best-sellers costs one bounded query.
 */
const SIMILAR_CANDIDATE_POOL = 200;

type Counts = Partial<Record<EventType, number>>;

interface TypeCountRow {
  type: EventType;
  n: number;
  first: Date | null;
  last: Date | null;
}

/** Tables of at least this many rows are counted from Postgres' statistics in `/v1/status`. */
export const EXACT_COUNT_BELOW = 100_000;

const COUNTED_TABLES = ['customers', 'products', 'events'] as const;
type CountedTable = (typeof COUNTED_TABLES)[number];

const countsOf = (rows: readonly TypeCountRow[]): Counts =>
  Object.fromEntries(rows.map((r) => [r.type, r.n]));

/**
 * Reads of one customer or product for operators (ingestion's `/v1/status`, `/v1/customers/{id}`,
 * `/v1/products/{id}`): each is one or two indexed queries on `events` (by customer, by product,
 * or the BRIN on `ts` for recent counts).
 */
export class ExploreRepository {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Row counts, and the events of the last 24 hours and 7 days by event time. A table of
   * `exactBelow` rows or more is counted from Postgres' statistics instead of scanned: an exact
   * `count(*)` reads the whole table (0.3–1 s for the Online Retail store's 536k events on a busy
   * 2-core machine), and it held up every first load of the console's overview. The estimate is the
   * planner's own (rows per page at the last ANALYZE × the table's pages now), so it follows the
   * table as it grows between ANALYZEs; a table never analysed is counted exactly. The recent counts
   * stay exact: they are what an operator watches move.
   */
  async counts(exactBelow = EXACT_COUNT_BELOW): Promise<{
    counts: StatusView['counts'];
    estimated: StatusView['estimated_counts'];
  }> {
    const one = async <T>(sql: string): Promise<T> => rowsOf<T>(await this.db.query(sql))[0]!;
    const estimates = this.db
      .query(
        // Summed over a table's partitions (events is partitioned by month): an empty partition counts
        // 0, one never analysed makes the whole count exact.
        `SELECT t.name,
                CASE WHEN bool_or(l.estimate IS NULL) THEN NULL ELSE sum(l.estimate)::float8 END AS estimate
         FROM (VALUES ('customers'), ('products'), ('events')) AS t(name)
         CROSS JOIN LATERAL (
           SELECT relid FROM pg_partition_tree(t.name::regclass) WHERE isleaf
           UNION ALL -- a plain table has no partition tree: it is its own leaf
           SELECT t.name::regclass WHERE NOT EXISTS (SELECT FROM pg_partition_tree(t.name::regclass))
         ) AS p(relid)
         JOIN pg_class c ON c.oid = p.relid
         CROSS JOIN LATERAL (
           SELECT CASE WHEN pg_relation_size(c.oid) = 0 THEN 0
                       WHEN c.reltuples < 0 OR c.relpages = 0 THEN NULL
                       ELSE round(c.reltuples / c.relpages
                                  * (pg_relation_size(c.oid) / current_setting('block_size')::int))
                  END AS estimate
         ) AS l
         GROUP BY t.name`,
      )
      .then(
        (rows) =>
          new Map(
            rowsOf<{ name: CountedTable; estimate: number | null }>(rows).map((r) => [r.name, r.estimate]),
          ),
      );
    const estimated: CountedTable[] = [];
    const count = async (table: CountedTable): Promise<number> => {
      const estimate = (await estimates).get(table);
      if (estimate != null && estimate >= exactBelow) {
        estimated.push(table);
        return estimate;
      }
      return (await one<{ n: number }>(`SELECT count(*)::bigint::float8 AS n FROM ${table}`)).n;
    };
    // On the pool at once: the recent counts do not wait for the statistics, nor the counts for each other.
    const [customers, products, events, { day, week }] = await Promise.all([
      count('customers'),
      count('products'),
      count('events'),
      one<{ day: number; week: number }>(
        `SELECT count(*) FILTER (WHERE ts >= now() - interval '1 day')::int AS day, count(*)::int AS week
         FROM events WHERE ts >= now() - interval '7 days'`,
      ),
    ]);
    return {
      counts: { customers, products, events, events_24h: day, events_7d: week },
      estimated: COUNTED_TABLES.filter((t) => estimated.includes(t)),
    };
  }

  async customer(id: string): Promise<CustomerView | null> {
    const [row] = rowsOf<{
      customer_id: string;
      segment: string | null;
      signup_date: Date | null;
      attributes: Record<string, unknown>;
      stub: boolean;
    }>(
      await this.db.query(
        `SELECT customer_id, segment, signup_date, attributes, stub FROM customers WHERE customer_id = $1`,
        [id],
      ),
    );
    if (!row) return null;
    const types = rowsOf<TypeCountRow>(
      await this.db.query(
        `SELECT type, count(*)::int AS n, min(ts) AS first, max(ts) AS last
         FROM events WHERE customer_id = $1 GROUP BY type`,
        [id],
      ),
    );
    const times = types.flatMap((t) => [t.first, t.last]).filter((t): t is Date => t !== null);
    return {
      customer_id: row.customer_id,
      segment: row.segment,
      signup_date: row.signup_date?.toISOString() ?? null,
      attributes: row.attributes,
      stub: row.stub,
      event_counts: countsOf(types),
      first_event_at: times.length ? new Date(Math.min(...times.map(Number))).toISOString() : null,
      last_event_at: times.length ? new Date(Math.max(...times.map(Number))).toISOString() : null,
    };
  }

  /** A customer's newest `limit` events, newest first, with each product's name. */
  async customerEvents(id: string, limit: number): Promise<HistoryEvent[]> {
    const rows = rowsOf<Omit<HistoryEvent, 'timestamp'> & { ts: Date }>(
      await this.db.query(
        `SELECT e.event_id, e.customer_id, e.product_id, p.name AS product_name, e.type, e.ts,
                e.order_id, e.quantity, e.price
         FROM events e LEFT JOIN products p ON p.product_id = e.product_id
         WHERE e.customer_id = $1 ORDER BY e.ts DESC, e.id DESC LIMIT $2`,
        [id, limit],
      ),
    );
    return rows.map(({ ts, ...e }) => ({ ...e, timestamp: ts.toISOString() }));
  }

  /**
   * Customers who bought the most of the same products, by Jaccard overlap of their distinct
   * purchased products (among the `SIMILAR_CANDIDATE_POOL` with the most shared products).
   */
  async similarCustomers(id: string, limit: number): Promise<SimilarCustomer[]> {
    return rowsOf<SimilarCustomer>(
      await this.db.query(
        `WITH mine AS (
           SELECT DISTINCT product_id FROM events WHERE customer_id = $1 AND type = 'purchase'
         ), pool AS (
           SELECT e.customer_id, count(DISTINCT e.product_id)::int AS shared
           FROM events e JOIN mine m ON m.product_id = e.product_id
           WHERE e.type = 'purchase' AND e.customer_id <> $1
           GROUP BY e.customer_id ORDER BY shared DESC, e.customer_id LIMIT $3
         ), sized AS (
           SELECT p.customer_id, p.shared,
                  (SELECT count(DISTINCT product_id) FROM events
                   WHERE customer_id = p.customer_id AND type = 'purchase')::int AS theirs
           FROM pool p
         )
         SELECT customer_id, shared AS shared_products,
                shared::float8 / (theirs + (SELECT count(*) FROM mine) - shared) AS similarity
         FROM sized ORDER BY similarity DESC, customer_id LIMIT $2`,
        [id, limit, SIMILAR_CANDIDATE_POOL],
      ),
    );
  }

  /** The product, its event counts, and its daily events over its last `days` days of activity. */
  async product(id: string, days: number): Promise<ProductView | null> {
    const [row] = rowsOf<Omit<ProductView, 'event_counts' | 'popularity'>>(
      await this.db.query(
        `SELECT product_id, name, category, brand, price, available, attributes, stub
         FROM products WHERE product_id = $1`,
        [id],
      ),
    );
    if (!row) return null;
    const [types, daily] = await Promise.all([
      this.db.query(
        `SELECT type, count(*)::int AS n, NULL AS first, NULL AS last FROM events WHERE product_id = $1 GROUP BY type`,
        [id],
      ),
      this.db.query(
        `WITH newest AS (SELECT max(ts) AS t FROM events WHERE product_id = $1)
         SELECT to_char(date_trunc('day', e.ts AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, e.type, count(*)::int AS n
         FROM events e, newest
         WHERE e.product_id = $1 AND e.ts > newest.t - make_interval(days => $2)
         GROUP BY 1, 2 ORDER BY 1`,
        [id, days],
      ),
    ]);
    const popularity: DailyEventCounts[] = [];
    for (const r of rowsOf<{ day: string; type: EventType; n: number }>(daily)) {
      let last = popularity.at(-1);
      if (last?.day !== r.day) popularity.push((last = { day: r.day, counts: {} }));
      last.counts[r.type] = r.n;
    }
    return { ...row, event_counts: countsOf(rowsOf<TypeCountRow>(types)), popularity };
  }
}
