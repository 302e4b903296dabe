import type { Command } from 'commander';
import { API_SCOPES, type ApiScope, loadEnv } from '@nextbuy/config';
import { ApiKeyRepository, type ApiKeyRow } from '@nextbuy/db';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { processOutput, type Output } from '../output';

/** How long the HTTP apps may keep accepting a revoked key (their lookup cache): said when revoking. */
const CACHE_NOTE = 'apps that looked it up stop accepting it within API_KEY_CACHE_SECONDS (30 s by default)';
const MAX_NAME_LENGTH = 200;

type Env = { DATABASE_URL: string };

function parseScope(scope: string): ApiScope {
  if (!(API_SCOPES as readonly string[]).includes(scope)) {
    throw new FatalError(`--scope must be one of ${API_SCOPES.join(', ')} (got ${JSON.stringify(scope)})`);
  }
  return scope as ApiScope;
}

/** Creates a stored key and prints it once: only its SHA-256 is kept. */
export async function runKeysCreate(
  env: Env,
  options: { name: string; scope: string },
  output: Output,
): Promise<{ exitCode: number; key: string; row: ApiKeyRow }> {
  const scope = parseScope(options.scope);
  const name = options.name.trim();
  if (name === '' || name.length > MAX_NAME_LENGTH) {
    throw new FatalError(`--name must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  const { key, row } = await withDatabase(env.DATABASE_URL, (db) =>
    new ApiKeyRepository(db).create(name, scope),
  );
  output.out(key);
  output.err(
    `key ${row.id} "${row.name}" (scope ${row.scope}) created: it is printed once and stored only as a hash; ` +
      'send it as x-api-key or Authorization: Bearer',
  );
  return { exitCode: EXIT_OK, key, row };
}

const COLUMNS = ['id', 'name', 'scope', 'key', 'created', 'last used', 'revoked'] as const;
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 19).replace('T', ' ') : '');

/** Every stored key (never the key itself: its first characters, to tell keys apart). */
export async function runKeysList(
  env: Env,
  options: { json?: boolean },
  output: Output,
): Promise<ApiKeyRow[]> {
  const rows = await withDatabase(env.DATABASE_URL, (db) => new ApiKeyRepository(db).list());
  if (options.json) {
    output.out(JSON.stringify(rows, null, 2));
    return rows;
  }
  if (rows.length === 0) {
    output.out('no stored keys (nextbuy keys create --name N --scope read|write|admin)');
    return rows;
  }
  const cells = rows.map((r) => [
    r.id,
    r.name,
    r.scope,
    `${r.key_prefix}…`,
    day(r.created_at),
    day(r.last_used_at),
    day(r.revoked_at),
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  output.out(line(COLUMNS));
  for (const row of cells) output.out(line(row));
  return rows;
}

export async function runKeysRevoke(env: Env, id: string, output: Output): Promise<{ exitCode: number }> {
  const row = await withDatabase(env.DATABASE_URL, (db) => new ApiKeyRepository(db).revoke(id));
  if (!row) {
    output.err(`no stored key has id ${JSON.stringify(id)} (nextbuy keys list shows them)`);
    return { exitCode: EXIT_FAILED };
  }
  output.out(`key ${row.id} "${row.name}" is revoked; ${CACHE_NOTE}`);
  return { exitCode: EXIT_OK };
}

export function registerKeysCommand(program: Command, output: Output = processOutput): void {
  const keys = program
    .command('keys')
    .description('API keys stored in the database (beside NEXTBUY_API_KEYS): create, list, revoke');
  keys
    .command('create')
    .description('create a key and print it once (only its hash is stored)')
    .requiredOption('--name <name>', 'who uses it, e.g. "storefront"')
    .requiredOption('--scope <scope>', `one of ${API_SCOPES.join(', ')}`)
    .action(async (options: { name: string; scope: string }) => {
      process.exitCode = (await runKeysCreate(loadEnv(), options, output)).exitCode;
    });
  keys
    .command('list')
    .description('every stored key with its scope, creation, last use and revocation')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await runKeysList(loadEnv(), options, output);
    });
  keys
    .command('revoke')
    .description('revoke a stored key (the apps stop accepting it within API_KEY_CACHE_SECONDS)')
    .argument('<id>', 'the id nextbuy keys list shows')
    .action(async (id: string) => {
      process.exitCode = (await runKeysRevoke(loadEnv(), id, output)).exitCode;
    });
}
