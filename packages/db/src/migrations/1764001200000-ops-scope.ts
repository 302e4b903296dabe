import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `ops` scope (issue #16): read-only operations (customer histories, builds, models, status),
 * beside `read`, which storefronts embed and which therefore no longer reads customer histories.
 * Stored keys may have it.
 */
export class OpsScope1764001200000 implements MigrationInterface {
  name = 'OpsScope1764001200000';

  async up(q: QueryRunner): Promise<void> {
    // The CHECK of 1764000400000 was named by Postgres: api_keys_scope_check.
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check`);
    await q.query(
      `ALTER TABLE api_keys ADD CONSTRAINT api_keys_scope_check CHECK (scope IN ('read', 'write', 'ops', 'admin'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Ops keys cannot stay under the old check, and turning them into read or admin keys would
    // change what their holders may do behind their backs: refuse instead.
    const rows = (await q.query(`SELECT count(*)::int AS n FROM api_keys WHERE scope = 'ops'`)) as {
      n: number;
    }[];
    const n = rows[0]?.n ?? 0;
    if (n > 0) throw new Error(`${n} stored key(s) have scope ops: revoke or delete them before reverting`);
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check`);
    await q.query(
      `ALTER TABLE api_keys ADD CONSTRAINT api_keys_scope_check CHECK (scope IN ('read', 'write', 'admin'))`,
    );
  }
}
