import type { Feedback, FunnelRow } from '@nextbuy/contracts';
import type { DataSource } from 'typeorm';
import { rowsOf } from './sql';

/** One served answer: what feedback about it is attributed to. */
export interface ServedAnswer {
  recommendationId: string;
  servedAt: Date;
  customerId: string;
  buildId: string;
  /** `null` while no experiment runs. */
  experimentId: string | null;
  variant: string;
  /** In rank order; `strategies[i]` found `productIds[i]`. */
  productIds: string[];
  strategies: string[];
}

/** A served answer's JSON, as `insertServedJsonArray` takes an array of them. */
export type ServedAnswerJson = string & { readonly __servedAnswerJson: true };

/**
 * The answer's row as JSON, made when it is served: serving's write-behind buffer then holds its
 * bytes (`TextRows`, outside the heap) until the batch is written, rather than an object graph (two
 * arrays of strings, a Date) that outlives young-generation collections and must be traced and promoted.
 */
export function servedAnswerJson(a: ServedAnswer): ServedAnswerJson {
  return JSON.stringify({
    recommendation_id: a.recommendationId,
    served_at_ms: a.servedAt.getTime(),
    customer_id: a.customerId,
    build_id: a.buildId,
    experiment_id: a.experimentId,
    variant: a.variant,
    product_ids: a.productIds,
    strategies: a.strategies,
  }) as ServedAnswerJson;
}

export interface ReceivedFeedback extends Feedback {
  receivedAt: Date;
}

/**
 * The write path of served answers and storefront feedback (batches from serving's buffers, one
 * statement each: the batch as one JSON parameter), and the funnel read behind experiment reports.
 */
export class FeedbackRepository {
  constructor(private readonly db: DataSource) {}

  /** Idempotent by `recommendation_id` (a batch retried after a lost answer stores nothing twice). */
  insertServed(rows: readonly ServedAnswer[]): Promise<void> {
    return this.insertServedJsonArray(`[${rows.map(servedAnswerJson).join(',')}]`);
  }

  /** `insertServed` of one JSON array of answers' JSON (`servedAnswerJson`): what serving's buffer hands out. */
  async insertServedJsonArray(json: string): Promise<void> {
    if (json === '[]') return;
    // One JSON parameter for the batch: node-postgres escapes array parameters element by element
    // in JavaScript, on serving's event loop (the real-time refresh measured it costlier than its
    // query); JSON arrays become the text[] columns in SQL.
    await this.db.query(
      `INSERT INTO recommendation_log
         (recommendation_id, served_at, customer_id, build_id, experiment_id, variant, product_ids, strategies)
       SELECT r.recommendation_id, to_timestamp(r.served_at_ms / 1000.0), r.customer_id, r.build_id,
              r.experiment_id, r.variant, r.product_ids, r.strategies
       FROM json_to_recordset($1::json) AS r(recommendation_id uuid, served_at_ms double precision,
            customer_id text, build_id bigint, experiment_id bigint, variant text, product_ids text[],
            strategies text[])
       ON CONFLICT (recommendation_id, served_at) DO NOTHING`,
      [json],
    );
  }

  /**
   * Idempotent by (recommendation, product, type): a re-sent event counts once. Each row goes to
   * the day its answer was served (`nb_served_at`: from the UUIDv7 id), where the answer's log row
   * is, so retention drops an answer and its feedback together.
   */
  async insertFeedback(rows: readonly ReceivedFeedback[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO feedback (recommendation_id, product_id, type, customer_id, received_at, served_at)
       SELECT r.recommendation_id, r.product_id, r.type, r.customer_id, r.received_at,
              nb_served_at(r.recommendation_id, r.received_at)
       FROM json_to_recordset($1::json)
            AS r(recommendation_id uuid, product_id text, type text, customer_id text, received_at timestamptz)
       ON CONFLICT DO NOTHING`,
      [
        JSON.stringify(
          rows.map((r) => ({
            recommendation_id: r.recommendation_id,
            product_id: r.product_id,
            type: r.type,
            customer_id: r.customer_id,
            received_at: r.receivedAt,
          })),
        ),
      ],
    );
  }

  /**
   * The daily partitions of both logs from `now`'s UTC day to `ahead` days later, created if
   * missing (serving's log maintenance, at start and hourly). A row for a day without a partition
   * is still stored, in the DEFAULT partition.
   */
  async ensureDaysAhead(now: Date, ahead: number): Promise<void> {
    await this.db.query(
      `SELECT nb_ensure_partition(t, 'served_at', 'day', date_trunc('day', $1::timestamptz, 'UTC') + make_interval(days => n))
       FROM unnest(ARRAY['recommendation_log', 'feedback']) t, generate_series(0, $2::int) n
       ORDER BY t, n`,
      [now, ahead],
    );
  }

  /**
   * Retention: drops the daily partitions of both logs that end at or before `cutoff` (whole days,
   * no row-by-row delete), and deletes the DEFAULT partitions' rows served before it. Returns the
   * partitions dropped.
   */
  async dropServedBefore(cutoff: Date): Promise<string[]> {
    const parts = rowsOf<{ name: string }>(
      await this.db.query(
        `SELECT c.relname AS name
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent IN ('recommendation_log'::regclass, 'feedback'::regclass)
           AND c.relname ~ '_y[0-9]{4}m[0-9]{2}d[0-9]{2}$'`,
      ),
    );
    const dayMs = 86_400_000;
    const dayOf = (name: string) => {
      const [, y, m, d] = /_y(\d{4})m(\d{2})d(\d{2})$/.exec(name)!;
      return Date.UTC(Number(y), Number(m) - 1, Number(d));
    };
    const expired = parts.filter((p) => dayOf(p.name) + dayMs <= cutoff.getTime()).map((p) => p.name);
    for (const name of expired.sort()) await this.db.query(`DROP TABLE IF EXISTS ${name}`);
    await this.db.query(`DELETE FROM recommendation_log_default WHERE served_at < $1`, [cutoff]);
    await this.db.query(`DELETE FROM feedback_default WHERE served_at < $1`, [cutoff]);
    return expired;
  }

  /** Answers served per variant of an experiment. */
  async servedPerVariant(experimentId: string): Promise<Map<string, number>> {
    const rows = rowsOf<{ variant: string; n: number }>(
      await this.db.query(
        `SELECT variant, count(*)::int AS n FROM recommendation_log WHERE experiment_id = $1 GROUP BY variant`,
        [experimentId],
      ),
    );
    return new Map(rows.map((r) => [r.variant, r.n]));
  }

  /**
   * The funnel of an experiment's answers per variant, per variant × strategy and per variant ×
   * position (1-based). An item counts once per answer: shown when any feedback names it (a click
   * implies it was on screen), then clicked / added / purchased at most once each. Feedback whose
   * customer or product does not match the logged answer is not attributed.
   */
  async funnel(experimentId: string): Promise<FunnelRow[]> {
    const rows = rowsOf<FunnelRow & { g_strategy: number; g_position: number }>(
      await this.db.query(
        `WITH items AS (
           SELECT r.variant, p.position, r.strategies[p.position] AS strategy,
                  bool_or(f.type = 'click') AS clicked,
                  bool_or(f.type = 'add_to_cart') AS carted,
                  bool_or(f.type = 'purchase') AS purchased
           FROM recommendation_log r
           JOIN feedback f ON f.recommendation_id = r.recommendation_id AND f.customer_id = r.customer_id
           CROSS JOIN LATERAL (SELECT array_position(r.product_ids, f.product_id) AS position) p
           WHERE r.experiment_id = $1 AND p.position IS NOT NULL
           GROUP BY r.recommendation_id, r.variant, p.position, r.strategies[p.position]
         )
         SELECT variant, strategy, position,
                GROUPING(strategy) AS g_strategy, GROUPING(position) AS g_position,
                count(*)::int AS impressions,
                count(*) FILTER (WHERE clicked)::int AS clicks,
                count(*) FILTER (WHERE carted)::int AS add_to_cart,
                count(*) FILTER (WHERE purchased)::int AS purchases
         FROM items
         GROUP BY GROUPING SETS ((variant), (variant, strategy), (variant, position))
         ORDER BY variant, position NULLS FIRST, strategy NULLS FIRST`,
        [experimentId],
      ),
    );
    return rows.map(({ g_strategy, g_position, ...r }) => ({
      ...r,
      strategy: g_strategy === 0 ? r.strategy : null,
      position: g_position === 0 ? Number(r.position) : null,
    }));
  }
}
