import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Prediction tasks as stored queries (issue #17 item 3, docs/tasks.md). A task is a name, its query
 * text and the definition the engine parsed it into (the query is never re-parsed to run a build:
 * a later parser cannot change what a stored task means). Builds and models carry their task; the
 * one published build and the one active model become one **per task**, so publishing one task's
 * build never unpublishes another's. The default task is today's behaviour and is seeded, so every
 * existing build and model belongs to it.
 */
export class Tasks1764001100000 implements MigrationInterface {
  name = 'Tasks1764001100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tasks (
        name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]*$' AND length(name) <= 63),
        query       text NOT NULL,
        definition  jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // The definition written out (not computed by today's parser: a migration must not move).
    await q.query(`INSERT INTO tasks (name, query, definition) VALUES ('default', $1, $2::jsonb)`, [
      "PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('purchase'), 0, 30, days) RANK TOP 50 FOR EACH customers.customer_id",
      JSON.stringify({ target: { event_types: ['purchase'], horizon_days: 30 }, k: 50, filter: null }),
    ]);
    await q.query(
      `ALTER TABLE builds ADD COLUMN task text NOT NULL DEFAULT 'default' REFERENCES tasks (name)`,
    );
    await q.query(
      `ALTER TABLE models ADD COLUMN task text NOT NULL DEFAULT 'default' REFERENCES tasks (name)`,
    );
    await q.query(`DROP INDEX builds_one_published`);
    await q.query(`CREATE UNIQUE INDEX builds_one_published ON builds (task) WHERE status = 'published'`);
    await q.query(`DROP INDEX models_one_active`);
    await q.query(`CREATE UNIQUE INDEX models_one_active ON models (task) WHERE status = 'active'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM builds WHERE task <> 'default'`);
    await q.query(`DELETE FROM models WHERE task <> 'default'`);
    await q.query(`DROP INDEX models_one_active`);
    await q.query(`CREATE UNIQUE INDEX models_one_active ON models ((true)) WHERE status = 'active'`);
    await q.query(`DROP INDEX builds_one_published`);
    await q.query(`CREATE UNIQUE INDEX builds_one_published ON builds ((true)) WHERE status = 'published'`);
    await q.query(`ALTER TABLE models DROP COLUMN task`);
    await q.query(`ALTER TABLE builds DROP COLUMN task`);
    await q.query(`DROP TABLE tasks`);
  }
}
