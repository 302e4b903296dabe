import { Client } from 'pg';
import { TEST_SERVER_URL } from '@nextbuy/testing';
import { migrate, quoteIdent } from './migrate';
import { MIGRATIONS } from './migrations';

describe('migrate', () => {
  const name = `nextbuy_test_migrate_${process.pid}`;
  const url = Object.assign(new URL(TEST_SERVER_URL), { pathname: `/${name}` }).toString();

  afterAll(async () => {
    const admin = new Client({ connectionString: TEST_SERVER_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin.end();
  });

  it('creates the database and applies every migration exactly once when run concurrently', async () => {
    const results = await Promise.all([migrate(url), migrate(url), migrate(url), migrate(url)]);
    expect(results.filter((r) => r.createdDatabase)).toHaveLength(1);
    expect(results.flatMap((r) => r.applied)).toHaveLength(MIGRATIONS.length);
    const again = await migrate(url);
    expect(again).toEqual({ createdDatabase: false, applied: [] });
  });
});
