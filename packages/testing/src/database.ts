import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate, quoteIdent } from '@nextbuy/db';

/** The server tests run against (the machine's own Postgres); the database part is replaced. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEMPLATE_DATABASE = 'nextbuy_test_template';
const CLONE_PREFIX = 'nextbuy_test_';

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
 * Jest global setup: drops databases left by earlier runs and migrates a fresh template once, so
 * every test file starts from a clone in a few milliseconds instead of running migrations.
 */
export async function prepareTemplateDatabase(): Promise<void> {
  await withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${CLONE_PREFIX}%`],
    );
    for (const { datname } of rows) {
      await admin.query(`ALTER DATABASE ${quoteIdent(datname)} IS_TEMPLATE false`).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
    }
  });
  await migrate(urlFor(TEMPLATE_DATABASE));
  await withAdmin((admin) => admin.query(`ALTER DATABASE ${quoteIdent(TEMPLATE_DATABASE)} IS_TEMPLATE true`));
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
        // Two clones starting at the same instant can see each other on the template: retry briefly.
        if ((e as { code?: string }).code !== '55006' || attempt >= 20) throw e;
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
