import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The real-time refresh asks on every refresh whether the catalogue changed since the active
 * build (count, newest and sum of `updated_at` of the products changed since it): an index range
 * over those rows instead of a scan of the whole table.
 */
export class Realtime1764000500000 implements MigrationInterface {
  name = 'Realtime1764000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX products_updated_at_idx ON products (updated_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX products_updated_at_idx`);
  }
}
