import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Compact customer lists (issue #13): a build's lists are stored packed (`packed`, ~1.7 KB per
 * customer on Online Retail, under the 2 KB at which Postgres would compress or move it out of line)
 * instead of as JSON (`items`, ~7 KB per customer after lz4). A row holds one or the other: builds
 * made before this migration keep their JSON and are still served (a rollback reaches them).
 */
export class CompactLists1764001000000 implements MigrationInterface {
  name = 'CompactLists1764001000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recommendations ADD COLUMN packed bytea`);
    await q.query(`ALTER TABLE recommendations ALTER COLUMN items DROP NOT NULL`);
    await q.query(
      `ALTER TABLE recommendations ADD CONSTRAINT recommendations_one_form CHECK ((items IS NULL) <> (packed IS NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Packed rows cannot be turned back into JSON here (that takes the catalogue): they are dropped.
    await q.query(`DELETE FROM recommendations WHERE items IS NULL`);
    await q.query(`ALTER TABLE recommendations DROP CONSTRAINT recommendations_one_form`);
    await q.query(`ALTER TABLE recommendations ALTER COLUMN items SET NOT NULL`);
    await q.query(`ALTER TABLE recommendations DROP COLUMN packed`);
  }
}
