import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cheaper build outputs. A rebuild writes ~165 MB of list JSON for the Online Retail data, and
 * measured on it (BENCHMARKS.md, "Rebuild", second session), Postgres spent 6.0 s parsing it into
 * `jsonb` and compressing it with pglz, against 1.3 s as `json` with lz4. The lists are only ever
 * read whole (never queried inside), so `json` loses nothing. lz4 is used where the server has it
 * (every PGDG and Docker build does); elsewhere the columns keep the default compression.
 */
export class LightBuildOutputs1764000600000 implements MigrationInterface {
  name = 'LightBuildOutputs1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recommendations ALTER COLUMN items TYPE json USING items::json`);
    await q.query(`ALTER TABLE item_lists ALTER COLUMN items TYPE json USING items::json`);
    if (await hasLz4(q)) {
      await q.query(`ALTER TABLE recommendations ALTER COLUMN items SET COMPRESSION lz4`);
      await q.query(`ALTER TABLE item_lists ALTER COLUMN items SET COMPRESSION lz4`);
      await q.query(`ALTER TABLE build_artifacts ALTER COLUMN data SET COMPRESSION lz4`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, column] of [
      ['recommendations', 'items'],
      ['item_lists', 'items'],
      ['build_artifacts', 'data'],
    ] as const) {
      await q.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET COMPRESSION default`);
    }
    await q.query(`ALTER TABLE item_lists ALTER COLUMN items TYPE jsonb USING items::jsonb`);
    await q.query(`ALTER TABLE recommendations ALTER COLUMN items TYPE jsonb USING items::jsonb`);
  }
}

/** Whether this server was built with lz4 (it then lists it among the TOAST compression methods). */
async function hasLz4(q: QueryRunner): Promise<boolean> {
  const rows = (await q.query(
    `SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)`,
  )) as unknown[];
  return rows.length > 0;
}
