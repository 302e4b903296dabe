import { ApiKeyRepository, hashApiKey } from '@nextbuy/db';
import { createTestDatabase, type TestDatabase } from '@nextbuy/testing';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { bufferOutput } from '../output';
import { runKeysCreate, runKeysList, runKeysRevoke } from './keys.command';

describe('nextbuy keys (real Postgres)', () => {
  let testDb: TestDatabase;
  let env: { DATABASE_URL: string };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = { DATABASE_URL: testDb.url };
  });

  afterAll(async () => {
    await testDb.drop();
  });

  it('creates a key, prints it once on stdout, and stores only its hash', async () => {
    const output = bufferOutput();
    const { exitCode, key, row } = await runKeysCreate(env, { name: ' storefront ', scope: 'read' }, output);
    expect(exitCode).toBe(EXIT_OK);
    expect(output.stdout).toEqual([key]);
    expect(output.stderr[0]).toMatch(/^key \d+ "storefront" \(scope read\) created: it is printed once/);
    const found = await withDatabase(testDb.url, (db) => new ApiKeyRepository(db).findLive(hashApiKey(key)));
    expect(found).toEqual({ id: row.id, scope: 'read' });
    const columns = await withDatabase(testDb.url, (db) =>
      db.query(`SELECT * FROM api_keys WHERE id = $1`, [row.id]),
    );
    expect(JSON.stringify(columns)).not.toContain(key.slice(10));
  });

  it('refuses a bad scope or name before touching the database', async () => {
    await expect(runKeysCreate(env, { name: 'x', scope: 'root' }, bufferOutput())).rejects.toThrow(
      new FatalError('--scope must be one of read, write, ops, admin (got "root")'),
    );
    await expect(runKeysCreate(env, { name: '  ', scope: 'read' }, bufferOutput())).rejects.toThrow(
      FatalError,
    );
  });

  it('lists keys without the keys themselves, and revokes by id', async () => {
    const { key, row } = await runKeysCreate(env, { name: 'ops', scope: 'admin' }, bufferOutput());
    const revoked = bufferOutput();
    expect((await runKeysRevoke(env, row.id, revoked)).exitCode).toBe(EXIT_OK);
    expect(revoked.stdout[0]).toMatch(new RegExp(`^key ${row.id} "ops" is revoked; .*API_KEY_CACHE_SECONDS`));
    const list = bufferOutput();
    const rows = await runKeysList(env, {}, list);
    expect(rows.map((r) => r.name)).toEqual(['storefront', 'ops']);
    expect(list.stdout[0]).toMatch(/^id\s+name\s+scope\s+key\s+created\s+last used\s+revoked$/);
    expect(list.stdout[2]).toMatch(
      new RegExp(`^${row.id}\\s+ops\\s+admin\\s+nb_\\S{6}…\\s+\\d{4}-.*\\d{4}-`),
    );
    expect(list.stdout.join('\n')).not.toContain(key);
    const json = bufferOutput();
    await runKeysList(env, { json: true }, json);
    expect(JSON.parse(json.stdout.join('\n'))[1]).toMatchObject({
      id: row.id,
      scope: 'admin',
      revoked_at: expect.any(String),
    });
  });

  it('exits 1 for an unknown id', async () => {
    const output = bufferOutput();
    expect((await runKeysRevoke(env, '424242', output)).exitCode).toBe(EXIT_FAILED);
    expect(output.stderr).toEqual(['no stored key has id "424242" (nextbuy keys list shows them)']);
  });

  it('stores an ops key (the scope the console signs in with)', async () => {
    const { key, row } = await runKeysCreate(env, { name: 'console', scope: 'ops' }, bufferOutput());
    expect(row.scope).toBe('ops');
    const found = await withDatabase(testDb.url, (db) => new ApiKeyRepository(db).findLive(hashApiKey(key)));
    expect(found).toEqual({ id: row.id, scope: 'ops' });
  });
});
