import type { Command } from 'commander';
import { loadEnv } from '@nextbuy/config';
import { migrate, type MigrateResult } from '@nextbuy/db';
import { processOutput, type Output } from '../output';

export async function runMigrate(url: string, output: Output): Promise<MigrateResult> {
  const result = await migrate(url);
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (result.createdDatabase) output.out(`created database ${name}`);
  for (const m of result.applied) output.out(`applied ${m}`);
  if (result.applied.length === 0) output.out(`database ${name} is up to date`);
  return result;
}

export function registerMigrateCommand(program: Command, output: Output = processOutput): void {
  program
    .command('migrate')
    .description('create the database of DATABASE_URL if missing, then apply pending migrations')
    .action(async () => {
      await runMigrate(loadEnv().DATABASE_URL, output);
    });
}
