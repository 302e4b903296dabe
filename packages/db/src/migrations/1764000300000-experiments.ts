import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A/B experiments, the log of served answers and storefront feedback. Feedback is attributed to a
 * build, variant, position and strategy by joining `recommendation_log` at report time, so feedback
 * written before its answer's log row (two buffers flushing in either order) loses nothing.
 * Neither log table has foreign keys: they take thousands of rows a second, and a build they name
 * may be garbage-collected while its answers are still being reported on.
 */
export class Experiments1764000300000 implements MigrationInterface {
  name = 'Experiments1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE experiments (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name        text NOT NULL UNIQUE,
        status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'stopped')),
        variants    jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        started_at  timestamptz,
        stopped_at  timestamptz
      )`);
    // At most one experiment runs at a time: a second start fails on this index, whatever the race.
    await q.query(
      `CREATE UNIQUE INDEX experiments_one_running ON experiments ((true)) WHERE status = 'running'`,
    );
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
      `CREATE INDEX recommendation_log_experiment ON recommendation_log (experiment_id, served_at)`,
    );
    await q.query(`
      CREATE TABLE feedback (
        recommendation_id  uuid NOT NULL,
        product_id         text NOT NULL,
        type               text NOT NULL CHECK (type IN ('impression', 'click', 'add_to_cart', 'purchase')),
        customer_id        text NOT NULL,
        received_at        timestamptz NOT NULL,
        -- Idempotent: a re-sent event (a retry, a double-fired tracker) counts once.
        PRIMARY KEY (recommendation_id, product_id, type)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE feedback`);
    await q.query(`DROP TABLE recommendation_log`);
    await q.query(`DROP TABLE experiments`);
  }
}
