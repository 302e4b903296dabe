import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Compact product lists (issue #13): "similar" and "bought together" are stored packed (`packed`, the
 * compact-list format of customer lists, worded at serve time from the catalogue) instead of as JSON.
 * A 100k-product catalogue's similar lists were 805 MB of JSON per build; packed, 56 MB. A row holds
 * one form or the other: popular lists, older builds and test fixtures keep JSON and are still served.
 */
export class PackedItemLists1764001400000 implements MigrationInterface {
  name = 'PackedItemLists1764001400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE item_lists ADD COLUMN packed bytea`);
    await q.query(`ALTER TABLE item_lists ALTER COLUMN items DROP NOT NULL`);
    await q.query(
      `ALTER TABLE item_lists ADD CONSTRAINT item_lists_one_form CHECK ((items IS NULL) <> (packed IS NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Packed rows cannot be turned back into JSON here (that takes the catalogue): they are dropped.
    await q.query(`DELETE FROM item_lists WHERE items IS NULL`);
    await q.query(`ALTER TABLE item_lists DROP CONSTRAINT item_lists_one_form`);
    await q.query(`ALTER TABLE item_lists ALTER COLUMN items SET NOT NULL`);
    await q.query(`ALTER TABLE item_lists DROP COLUMN packed`);
  }
}
