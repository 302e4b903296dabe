import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { loadEnv } from '@nextbuy/config';
import type { RankedItem } from '@nextbuy/contracts';
import {
  BuildOutputRepository,
  BuildRepository,
  CatalogRepository,
  type ProductReadRow,
  RuleRepository,
  type StoredCustomerList,
} from '@nextbuy/db';
import { decodeList, type ListDictionary, loadListDictionary } from '@nextbuy/engine';
import type { DataSource } from 'typeorm';
import { CsvFileWriter } from '../datasets/csv-writer';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { processOutput, type Output } from '../output';

export const EXPORT_COLUMNS = ['customer_id', 'rank', 'product_id', 'score', 'strategy'] as const;

export interface ExportOptions {
  out: string;
  limit?: string;
  /** `false` (`--no-rules`): the stored lists as built, without the catalogue's availability or rules. */
  rules?: boolean;
}

type ExportItem = Pick<RankedItem, 'product_id' | 'score' | 'strategy'>;

/**
 * What serving does to a list at answer time, for the export: unavailable products left out, the
 * merchandising rules applied (a product a pin brings in has score 0 and strategy `popular`, as in
 * serving). Read once: the catalogue, the rules (compiled once), the segments only if a rule needs them.
 */
async function serveTimeShaping(
  db: DataSource,
): Promise<(customerId: string, items: ExportItem[]) => ExportItem[]> {
  const catalog = new CatalogRepository(db);
  const { CompiledRules } = await import('@nextbuy/engine');
  const { version, rules: definitions } = await new RuleRepository(db).snapshot();
  const rules = new CompiledRules(definitions, version);
  const products = new Map<string, ProductReadRow>();
  for (const p of await catalog.products()) products.set(p.product_id, p);
  const segments = rules.needsSegment
    ? new Map((await catalog.customers()).map((c) => [c.customer_id, c.segment]))
    : undefined;
  const lookup = (id: string) => products.get(id);
  const now = Date.now();
  return (customerId, items) => {
    const available = items.filter((i) => products.get(i.product_id)?.available !== false);
    const ruled = rules.apply(available, { now, segment: segments?.get(customerId) ?? null }, lookup);
    if (ruled === null) return available;
    return ruled.map((r) => r.item ?? { product_id: r.productId, score: 0, strategy: 'popular' });
  };
}

export interface ExportResult {
  exitCode: number;
  buildId?: string;
  rows: number;
  customers: number;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return Infinity;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new FatalError(`--limit must be a whole number of at least 1 (got ${JSON.stringify(text)})`);
  return Number(text);
}

/** A stored list's items in rank order, with what the CSV needs (no names: nothing to render). */
function exportedItems(stored: StoredCustomerList, dictionary: ListDictionary) {
  if (Array.isArray(stored)) return [...stored].sort((a, b) => a.rank - b.rank);
  return decodeList(stored, dictionary).items.map(({ product_id, score, strategy }, i) => ({
    product_id,
    score,
    strategy,
    rank: i + 1,
  }));
}

/**
 * Every customer's list of the active build as CSV (gzip when the name ends in `.gz`), read in
 * pages and written as it goes: memory stays flat whatever the number of customers.
 */
export async function runExport(url: string, options: ExportOptions, output: Output): Promise<ExportResult> {
  const limit = parseLimit(options.limit);
  return withDatabase(url, async (db) => {
    const active = await new BuildRepository(db).active();
    if (!active) {
      output.err('there is no active build to export: run `nextbuy rebuild --wait` first');
      return { exitCode: EXIT_FAILED, rows: 0, customers: 0 };
    }
    await mkdir(dirname(options.out), { recursive: true });
    const shape = options.rules === false ? undefined : await serveTimeShaping(db);
    const writer = new CsvFileWriter(options.out, EXPORT_COLUMNS);
    let customers = 0;
    const outputs = new BuildOutputRepository(db);
    const dictionary = await loadListDictionary(outputs, active.id);
    try {
      for await (const page of outputs.allRecommendations(active.id)) {
        for (const list of page) {
          customers++;
          const stored = exportedItems(list.items, dictionary);
          const items = (shape ? shape(list.customer_id, stored) : stored).slice(0, limit);
          for (const [i, item] of items.entries()) {
            await writer.write({
              customer_id: list.customer_id,
              rank: i + 1,
              product_id: item.product_id,
              score: item.score,
              strategy: item.strategy,
            });
          }
        }
      }
    } finally {
      await writer.close();
    }
    output.out(
      `wrote ${writer.rows.toLocaleString('en')} rows for ${customers.toLocaleString('en')} customers of build ${active.id} → ${options.out}`,
    );
    return { exitCode: EXIT_OK, buildId: active.id, rows: writer.rows, customers };
  });
}

export function registerExportCommand(program: Command, output: Output = processOutput): void {
  program
    .command('export')
    .description('CSV customer_id,rank,product_id,score,strategy for every customer of the active build')
    .requiredOption('--out <file>', 'where to write the CSV (.gz compresses)')
    .option('--limit <n>', 'items per customer (default: all stored)')
    .option('--no-rules', 'the lists as built: no merchandising rules, unavailable products kept')
    .action(async (options: ExportOptions) => {
      const { exitCode } = await runExport(loadEnv().DATABASE_URL, options, output);
      process.exitCode = exitCode;
    });
}
