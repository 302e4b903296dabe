import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { MultiBar, Presets } from 'cli-progress';
import type { DataSource } from 'typeorm';
import { loadEnv } from '@nextbuy/config';
import type { ImportKind } from '@nextbuy/db';
import { importFile, type ImportSummary } from '@nextbuy/importer';
import { withDatabase } from '../database';
import { EXIT_OK, EXIT_REJECTED_ROWS, FatalError } from '../errors';
import { processOutput, type Output } from '../output';
import { databaseNow, refreshImportedCustomers } from './import-refresh';

/** Catalog first, so events find their products and customers instead of creating stubs. */
export const IMPORT_ORDER: readonly ImportKind[] = ['products', 'customers', 'events'];

export type ImportFiles = Partial<Record<ImportKind, string>>;

/** Imports the given files in IMPORT_ORDER; returns the exit code (1 when any row was rejected). */
export async function runImport(
  url: string,
  files: ImportFiles,
  output: Output,
): Promise<{ exitCode: number; summaries: ImportSummary[] }> {
  const jobs = IMPORT_ORDER.filter((kind) => files[kind]).map((kind) => ({
    kind,
    file: files[kind] as string,
  }));
  if (jobs.length === 0)
    throw new FatalError('nothing to import: give --products, --customers and/or --events');
  // Every file must be there before anything is loaded: a typo should not leave half an import.
  for (const { file } of jobs) {
    await access(file).catch(() => {
      throw new FatalError(`${file}: no such file`);
    });
  }
  const summaries = await withDatabase(url, async (db) => {
    const done: ImportSummary[] = [];
    for (const job of jobs) done.push(await importOne(db, job.kind, job.file, output));
    return done;
  });
  const rejected = summaries.some((s) => s.rejected > 0);
  return { exitCode: rejected ? EXIT_REJECTED_ROWS : EXIT_OK, summaries };
}

async function importOne(
  db: DataSource,
  kind: ImportKind,
  file: string,
  output: Output,
): Promise<ImportSummary> {
  const bars = output.interactive
    ? new MultiBar(
        {
          stream: output.progressStream,
          format: `${kind.padEnd(9)} [{bar}] {percentage}% | {rows} rows | {eta_formatted} left`,
          hideCursor: true,
          clearOnComplete: true,
        },
        Presets.shades_classic,
      )
    : undefined;
  const bar = bars?.create(1, 0, { rows: 0 });
  // With a bar on screen, rejections are written above it instead of through it.
  const report = (line: string) => (bars ? bars.log(`${line}\n`) : output.err(line));
  try {
    const summary = await importFile(db, {
      kind,
      file,
      onRejection: ({ line, errors }) => report(`${file}:${line}: ${errors.join('; ')}`),
      onProgress: bar
        ? ({ rows, bytes, totalBytes }) => {
            bar.setTotal(Math.max(totalBytes, 1));
            bar.update(bytes, { rows: rows.toLocaleString('en') });
          }
        : undefined,
    });
    bars?.stop();
    output.out(formatSummary(summary));
    return summary;
  } finally {
    bars?.stop();
  }
}

export function formatSummary(s: ImportSummary): string {
  const n = (x: number) => x.toLocaleString('en');
  return (
    `${s.kind} ${s.file}: read ${n(s.read)}, stored ${n(s.stored)}, unchanged ${n(s.duplicates)}, ` +
    `rejected ${n(s.rejected)} in ${s.seconds.toFixed(1)} s (${n(s.rowsPerSecond)} rows/s)`
  );
}

export function registerImportCommand(program: Command, output: Output = processOutput): void {
  program
    .command('import')
    .description('bulk load CSV or NDJSON files (.gz accepted): products, then customers, then events')
    .option('--products <file>', 'products file')
    .option('--customers <file>', 'customers file')
    .option('--events <file>', 'events file')
    .action(async (files: ImportFiles) => {
      const env = loadEnv();
      const since = files.events ? await databaseNow(env.DATABASE_URL) : undefined;
      const { exitCode, summaries } = await runImport(env.DATABASE_URL, files, output);
      if (since && summaries.some((s) => s.kind === 'events' && s.stored > 0))
        await refreshImportedCustomers(env, since, output);
      process.exitCode = exitCode;
    });
}
