import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `recommendation_log` and `feedback` become range-partitioned by day, so retention
 * (`LOG_RETENTION_DAYS`) drops whole days instead of deleting rows (~460 B an answer, every answer
 * for ever, before this).
 *
 * Both tables are partitioned by the day the answer was served, so an answer and all its feedback
 * live in partitions of the same day and leave together: an experiment report over the days kept is
 * exactly what it was. Feedback learns that day from its `recommendation_id`: serving mints UUIDv7
 * ids, whose first 48 bits are the serving instant in Unix milliseconds (`nb_served_at`). The
 * partition key is then a function of the unique key, so idempotency by (recommendation, product,
 * type) holds across partitions. An id that is not a UUIDv7 (answers logged before this migration,
 * or a storefront's own id) falls back to the day the feedback was received.
 */
export class PartitionedLogs1764000760000 implements MigrationInterface {
  name = 'PartitionedLogs1764000760000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION nb_served_at(id uuid, received timestamptz) RETURNS timestamptz
      LANGUAGE sql STABLE AS $$
        SELECT CASE WHEN substr(id::text, 15, 1) = '7'
          THEN to_timestamp(('x' || substr(replace(id::text, '-', ''), 1, 12))::bit(48)::bigint / 1000.0)
          ELSE date_trunc('day', received, 'UTC') END
      $$`);

    await q.query(`ALTER TABLE recommendation_log RENAME TO recommendation_log_unpartitioned`);
    await q.query(
      `ALTER TABLE recommendation_log_unpartitioned RENAME CONSTRAINT recommendation_log_pkey TO recommendation_log_unpartitioned_pkey`,
    );
    await q.query(
      `ALTER INDEX recommendation_log_experiment RENAME TO recommendation_log_unpartitioned_experiment`,
    );
    await q.query(`ALTER TABLE feedback RENAME TO feedback_unpartitioned`);
    await q.query(
      `ALTER TABLE feedback_unpartitioned RENAME CONSTRAINT feedback_pkey TO feedback_unpartitioned_pkey`,
    );

    await q.query(`
      CREATE TABLE recommendation_log (
        recommendation_id  uuid NOT NULL,
        served_at          timestamptz NOT NULL,
        customer_id        text NOT NULL,
        build_id           bigint NOT NULL,
        experiment_id      bigint,
        variant            text NOT NULL,
        product_ids        text[] NOT NULL,
        strategies         text[] NOT NULL,
        -- A retried batch carries the same served_at: idempotent as before.
        PRIMARY KEY (recommendation_id, served_at)
      ) PARTITION BY RANGE (served_at)`);
    await q.query(`CREATE TABLE recommendation_log_default PARTITION OF recommendation_log DEFAULT`);
    await q.query(`
      CREATE TABLE feedback (
        recommendation_id  uuid NOT NULL,
        product_id         text NOT NULL,
        type               text NOT NULL CHECK (type IN ('impression', 'click', 'add_to_cart', 'purchase')),
        customer_id        text NOT NULL,
        received_at        timestamptz NOT NULL,
        -- When the answer was served: nb_served_at(recommendation_id, received_at).
        served_at          timestamptz NOT NULL,
        PRIMARY KEY (recommendation_id, product_id, type, served_at)
      ) PARTITION BY RANGE (served_at)`);
    await q.query(`CREATE TABLE feedback_default PARTITION OF feedback DEFAULT`);

    await q.query(`
      SELECT nb_ensure_partition(t, 'served_at', 'day', d)
      FROM (SELECT DISTINCT date_trunc('day', served_at, 'UTC') AS d FROM recommendation_log_unpartitioned
            UNION SELECT date_trunc('day', now(), 'UTC') + make_interval(days => n) FROM generate_series(0, 7) n) days,
           unnest(ARRAY['recommendation_log', 'feedback']) t
      ORDER BY t, d`);
    await q.query(`INSERT INTO recommendation_log SELECT * FROM recommendation_log_unpartitioned`);
    // Feedback already stored joins its answer's day when the answer is logged.
    await q.query(`
      INSERT INTO feedback (recommendation_id, product_id, type, customer_id, received_at, served_at)
      SELECT f.recommendation_id, f.product_id, f.type, f.customer_id, f.received_at,
             COALESCE(r.served_at, nb_served_at(f.recommendation_id, f.received_at))
      FROM feedback_unpartitioned f
      LEFT JOIN recommendation_log_unpartitioned r ON r.recommendation_id = f.recommendation_id`);
    await q.query(`DROP TABLE feedback_unpartitioned`);
    await q.query(`DROP TABLE recommendation_log_unpartitioned`);
    await q.query(
      `CREATE INDEX recommendation_log_experiment ON recommendation_log (experiment_id, served_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recommendation_log RENAME TO recommendation_log_partitioned`);
    await q.query(
      `ALTER INDEX recommendation_log_experiment RENAME TO recommendation_log_partitioned_experiment`,
    );
    await q.query(`ALTER TABLE feedback RENAME TO feedback_partitioned`);
    await q.query(`
      CREATE TABLE recommendation_log (
        recommendation_id  uuid PRIMARY KEY,
        served_at          timestamptz NOT NULL,
        customer_id        text NOT NULL,
        build_id           bigint NOT NULL,
        experiment_id      bigint,
        variant            text NOT NULL,
        product_ids        text[] NOT NULL,
        strategies         text[] NOT NULL
      )`);
    await q.query(
      `INSERT INTO recommendation_log SELECT * FROM recommendation_log_partitioned ON CONFLICT DO NOTHING`,
    );
    await q.query(
      `CREATE INDEX recommendation_log_experiment ON recommendation_log (experiment_id, served_at)`,
    );
    await q.query(`
      CREATE TABLE feedback (
        recommendation_id  uuid NOT NULL,
        product_id         text NOT NULL,
        type               text NOT NULL CHECK (type IN ('impression', 'click', 'add_to_cart', 'purchase')),
        customer_id        text NOT NULL,
        received_at        timestamptz NOT NULL,
        PRIMARY KEY (recommendation_id, product_id, type)
      )`);
    await q.query(`
      INSERT INTO feedback SELECT recommendation_id, product_id, type, customer_id, received_at
      FROM feedback_partitioned ON CONFLICT DO NOTHING`);
    await q.query(`DROP TABLE feedback_partitioned`);
    await q.query(`DROP TABLE recommendation_log_partitioned`);
    await q.query(`DROP FUNCTION nb_served_at(uuid, timestamptz)`);
  }
}
