import { Client } from 'pg';
import { createDataSource } from './data-source';

/** Any constant works: it only has to be the same in every process that migrates. */
const MIGRATION_LOCK_KEY = 7_346_001;

export interface MigrateResult {
  createdDatabase: boolean;
  applied: string[];
}

/**
 * Creates the database of `url` when it is missing, then applies pending migrations under a
 * Postgres advisory lock, so several replicas (or test workers) can call it at the same moment.
 */
export async function migrate(url: string): Promise<MigrateResult> {
  const createdDatabase = await ensureDatabase(url);
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'nextbuy-migrate' });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return { createdDatabase, applied: applied.map((m) => m.name) };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}

/** Returns true when this call created the database. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL names no database: ${url}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (e) {
      // Another process created it between our check and our CREATE.
      const code = (e as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw e;
    }
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
