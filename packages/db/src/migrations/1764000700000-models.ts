import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Models as records (issue #14): the ranker is trained on its own schedule by a build of kind
 * `training`, gated, and stored here; a rebuild ranks with the active model (`builds.model_id`)
 * instead of fitting one. At most one model is active (partial unique index): activation and
 * rollback flip it in one transaction. The artifact is the encoded ranker (a GBDT is ~100 KB).
 */
export class Models1764000700000 implements MigrationInterface {
  name = 'Models1764000700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE models (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        status        text NOT NULL DEFAULT 'training'
                      CHECK (status IN ('training', 'candidate', 'active', 'retired', 'failed')),
        build_id      bigint REFERENCES builds (id) ON DELETE SET NULL,
        as_of         timestamptz,
        windows       jsonb NOT NULL DEFAULT '[]',
        config        jsonb NOT NULL DEFAULT '{}',
        features      jsonb NOT NULL DEFAULT '[]',
        trained_rows  integer,
        report        jsonb,
        error         text,
        artifact      bytea,
        created_at    timestamptz NOT NULL DEFAULT now(),
        trained_at    timestamptz,
        activated_at  timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX models_one_active ON models ((true)) WHERE status = 'active'`);
    await q.query(`CREATE INDEX models_build_idx ON models (build_id)`);
    await q.query(
      `ALTER TABLE builds ADD COLUMN kind text NOT NULL DEFAULT 'rebuild' CHECK (kind IN ('rebuild', 'training'))`,
    );
    // The model a rebuild ranks with, chosen when it is created (null: it fits its own ranker).
    await q.query(`ALTER TABLE builds ADD COLUMN model_id bigint REFERENCES models (id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE builds DROP CONSTRAINT builds_status_check`);
    await q.query(
      `ALTER TABLE builds ADD CONSTRAINT builds_status_check CHECK (status IN ('queued', 'running', 'failed', 'published', 'superseded', 'trained'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM builds WHERE status = 'trained'`);
    await q.query(`ALTER TABLE builds DROP CONSTRAINT builds_status_check`);
    await q.query(
      `ALTER TABLE builds ADD CONSTRAINT builds_status_check CHECK (status IN ('queued', 'running', 'failed', 'published', 'superseded'))`,
    );
    await q.query(`ALTER TABLE builds DROP COLUMN model_id`);
    await q.query(`ALTER TABLE builds DROP COLUMN kind`);
    await q.query(`DROP TABLE models`);
  }
}
