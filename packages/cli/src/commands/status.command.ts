import type { Command } from 'commander';
import type { DataSource } from 'typeorm';
import { loadEnv } from '@nextbuy/config';
import type { StatusReport } from '@nextbuy/contracts';
import { StatsRepository } from '@nextbuy/db';
import { withDatabase } from '../database';
import { processOutput, type Output } from '../output';

/**
 * One part of `nextbuy status`: how to collect it and how to print it. New parts (builds, queues)
 * are new entries in STATUS_SECTIONS; `--json` prints every part under its key.
 */
interface StatusSection<K extends keyof StatusReport> {
  key: K;
  collect(db: DataSource): Promise<StatusReport[K]>;
  print(value: StatusReport[K], output: Output): void;
}

const countsSection: StatusSection<'counts'> = {
  key: 'counts',
  collect: (db) => new StatsRepository(db).counts(),
  print(counts, output) {
    const width = Math.max(...Object.keys(counts).map((k) => k.length));
    for (const [name, n] of Object.entries(counts))
      output.out(`${name.padEnd(width)}  ${n.toLocaleString('en')}`);
  },
};

export const STATUS_SECTIONS = [countsSection] as const;

export async function collectStatus(db: DataSource): Promise<StatusReport> {
  const report: Partial<StatusReport> = {};
  for (const section of STATUS_SECTIONS) report[section.key] = await section.collect(db);
  return report as StatusReport;
}

export function printStatus(report: StatusReport, output: Output, json: boolean): void {
  if (json) {
    output.out(JSON.stringify(report, null, 2));
    return;
  }
  for (const section of STATUS_SECTIONS) section.print(report[section.key], output);
}

export function registerStatusCommand(program: Command, output: Output = processOutput): void {
  program
    .command('status')
    .description('row counts (customers, products, events)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const report = await withDatabase(loadEnv().DATABASE_URL, collectStatus);
      printStatus(report, output, Boolean(options.json));
    });
}
