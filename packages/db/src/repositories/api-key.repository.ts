import type { ApiScope } from '@nextbuy/config';
import { hash, randomBytes } from 'node:crypto';
import { rowsOf, type SqlExecutor } from './sql';

/** Marks a nextbuy key in logs and secret scanners; the rest is 32 random bytes (256 bits). */
export const API_KEY_PREFIX = 'nb_';
const KEY_BYTES = 32;
/** Characters kept in clear (`nb_` + 6) so `keys list` can tell keys apart without revealing them. */
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

/** The stored form of a key: its SHA-256 (a key is random, so no salt or slow hash is needed). */
export function hashApiKey(key: string): Buffer {
  // One-shot `crypto.hash`: every request hashes its key, and a Hash object costs a few times more.
  return hash('sha256', key, 'buffer');
}

export interface ApiKeyRow {
  id: string;
  name: string;
  scope: ApiScope;
  key_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = `id::text AS id, name, scope, key_prefix, created_at, revoked_at, last_used_at`;

/** The `api_keys` table: keys created by `nextbuy keys create`, kept as SHA-256 hashes. */
export class ApiKeyRepository {
  constructor(private readonly db: SqlExecutor) {}

  /** A new random key: the row, and the key itself, which exists nowhere else afterwards. */
  async create(name: string, scope: ApiScope): Promise<{ key: string; row: ApiKeyRow }> {
    const key = API_KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url');
    const [row] = rowsOf<ApiKeyRow>(
      await this.db.query(
        `INSERT INTO api_keys (name, scope, key_hash, key_prefix) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [name, scope, hashApiKey(key), key.slice(0, SHOWN_PREFIX_LENGTH)],
      ),
    );
    return { key, row: row! };
  }

  /** Every key, revoked ones included, oldest first. */
  list(): Promise<ApiKeyRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM api_keys ORDER BY id`).then((r) => rowsOf<ApiKeyRow>(r));
  }

  /** Revokes a key (revoking twice keeps the first time); null for an unknown id. */
  async revoke(id: string): Promise<ApiKeyRow | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const [row] = returnedRows<ApiKeyRow>(
      await this.db.query(
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
        [id],
      ),
    );
    return row ?? null;
  }

  /**
   * The id and scope of the live (not revoked) key with this hash, or null; records the use in the
   * same statement. Callers cache the answer, so `last_used_at` is exact to within their cache time.
   */
  async findLive(hash: Buffer): Promise<{ id: string; scope: ApiScope } | null> {
    const [row] = returnedRows<{ id: string; scope: ApiScope }>(
      await this.db.query(
        `UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL
         RETURNING id::text AS id, scope`,
        [hash],
      ),
    );
    return row ?? null;
  }
}

/** Rows of `UPDATE … RETURNING`: TypeORM answers `[rows, affected]`, a raw pg client a result. */
function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && Array.isArray(result[0])) return result[0] as T[];
  return rowsOf<T>(result);
}
