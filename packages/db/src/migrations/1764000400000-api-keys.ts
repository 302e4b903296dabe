import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys created with `nextbuy keys create`, beside the ones of `NEXTBUY_API_KEYS`. Only the
 * SHA-256 of a key is stored: the key itself is printed once and never kept.
 */
export class ApiKeys1764000400000 implements MigrationInterface {
  name = 'ApiKeys1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id            bigserial PRIMARY KEY,
        name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        scope         text NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
        key_hash      bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
        key_prefix    text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        revoked_at    timestamptz,
        last_used_at  timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
  }
}
