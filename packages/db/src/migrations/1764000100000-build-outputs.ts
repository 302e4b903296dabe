import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What a rebuild writes: every table keyed by build_id, so publish is a pointer flip. */
export class BuildOutputs1764000100000 implements MigrationInterface {
  name = 'BuildOutputs1764000100000';

  async up(q: QueryRunner): Promise<void> {
    // At most one active build, and at most one build in flight (queued or running): a second
    // trigger is refused by the database itself, whichever process sends it.
    await q.query(`CREATE UNIQUE INDEX builds_one_published ON builds ((true)) WHERE status = 'published'`);
    await q.query(
      `CREATE UNIQUE INDEX builds_one_in_flight ON builds ((true)) WHERE status IN ('queued', 'running')`,
    );
    await q.query(`ALTER TABLE builds ADD COLUMN published_at timestamptz`);
    // Intermediate stage outputs (encoded typed arrays): read by later stages of the same build.
    await q.query(`
      CREATE TABLE build_artifacts (
        build_id    bigint NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        name        text NOT NULL,
        data        bytea NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (build_id, name)
      )`);
    // One row per customer: serving answers with a single primary-key read.
    await q.query(`
      CREATE TABLE recommendations (
        build_id     bigint NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        customer_id  text NOT NULL,
        items        jsonb NOT NULL,
        PRIMARY KEY (build_id, customer_id)
      )`);
    // Per product: 'similar' and 'bought_together'; per segment: 'popular' (the cold-start answer).
    await q.query(`
      CREATE TABLE item_lists (
        build_id  bigint NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        kind      text NOT NULL,
        key       text NOT NULL,
        items     jsonb NOT NULL,
        PRIMARY KEY (build_id, kind, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE item_lists`);
    await q.query(`DROP TABLE recommendations`);
    await q.query(`DROP TABLE build_artifacts`);
    await q.query(`ALTER TABLE builds DROP COLUMN published_at`);
    await q.query(`DROP INDEX builds_one_in_flight`);
    await q.query(`DROP INDEX builds_one_published`);
  }
}
