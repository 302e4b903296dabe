import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { MIGRATIONS, migrate, quoteIdent } from '@nextbuy/db';

/** The server tests run against (the machine's own Postgres); the database part is replaced. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLONE_PREFIX = 'nextbuy_test_';
/** Named by the migration list, so a new migration makes a new template and parallel runs share one. */
export const TEMPLATE_DATABASE = `nextbuy_tpl_${createHash('sha1')
  .update(MIGRATIONS.map((m) => m.name).join(','))
  .digest('hex')
  .slice(0, 12)}`;
const TEMPLATE_LOCK_KEY = 7_346_002;

function urlFor(database: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: urlFor('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Jest global setup: drops databases left by test processes that have died, and migrates the
 * template once (per migration list), so every test file starts from a clone in milliseconds.
 * Safe while other test runs are going on.
 */
export async function prepareTemplateDatabase(): Promise<void> {
  await withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'nextbuy\\_t%'`,
    );
    for (const { datname } of rows) {
      const pid = Number(/^nextbuy_test_(?:migrate_)?(\d+)/.exec(datname)?.[1]);
      // Templates of other migration lists are left alone: another checkout on this server (a
      // branch with a migration of its own) may be cloning from one right now.
      const stale = !datname.startsWith('nextbuy_tpl_') && pid > 0 && !isAlive(pid);
      if (!stale) continue;
      await admin.query(`ALTER DATABASE ${quoteIdent(datname)} IS_TEMPLATE false`).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`).catch(() => undefined);
    }
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    try {
      const { rows: found } = await admin.query<{ datistemplate: boolean }>(
        `SELECT datistemplate FROM pg_database WHERE datname = $1`,
        [TEMPLATE_DATABASE],
      );
      if (found[0]?.datistemplate) return;
      await migrate(urlFor(TEMPLATE_DATABASE));
      await admin.query(`ALTER DATABASE ${quoteIdent(TEMPLATE_DATABASE)} IS_TEMPLATE true`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A migrated database of its own for one test file: call `drop()` in `afterAll`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${CLONE_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (admin) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(TEMPLATE_DATABASE)}`);
        return;
      } catch (e) {
        const code = (e as { code?: string }).code;
        // The template is gone (an older checkout's global setup dropped it as "stale"): make it again.
        if (code === '3D000' && attempt < 3) {
          await prepareTemplateDatabase();
          continue;
        }
        // Two clones starting at the same instant can see each other on the template: retry briefly.
        if (code !== '55006' || attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  return {
    name,
    url: urlFor(name),
    drop: () =>
      withAdmin(
        async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)),
      ),
  };
}
