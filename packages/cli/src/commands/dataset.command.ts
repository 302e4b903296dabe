import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { parse } from 'csv-parse';
import { CsvFileWriter } from '../datasets/csv-writer';
import {
  CUSTOMER_COLUMNS,
  EVENT_COLUMNS,
  ONLINE_RETAIL_COLUMNS,
  OnlineRetailAdapter,
  PRODUCT_COLUMNS,
  type AdapterCounts,
  type OnlineRetailRow,
} from '../datasets/online-retail';
import { FatalError } from '../errors';
import { processOutput, type Output } from '../output';

export const DEFAULT_ONLINE_RETAIL_IN = '../shared/datasets/online-retail/online_retail.csv.gz';
export const DEFAULT_ONLINE_RETAIL_OUT = 'data/online-retail';

export interface OnlineRetailOptions {
  in: string;
  out: string;
}

export interface OnlineRetailResult {
  counts: AdapterCounts;
  files: { events: string; products: string; customers: string };
  written: { events: number; products: number; customers: number; categories: number };
}

/** Converts the raw Online Retail file into canonical `products`, `customers` and `events` files. */
export async function convertOnlineRetail(options: OnlineRetailOptions): Promise<OnlineRetailResult> {
  const input = await openInput(options.in);
  await mkdir(options.out, { recursive: true });
  const files = {
    events: join(options.out, 'events.csv.gz'),
    products: join(options.out, 'products.csv.gz'),
    customers: join(options.out, 'customers.csv.gz'),
  };
  const adapter = new OnlineRetailAdapter();
  const events = new CsvFileWriter(files.events, EVENT_COLUMNS);
  const parser = input.pipe(
    parse({
      columns: (header: string[]) => {
        const missing = ONLINE_RETAIL_COLUMNS.filter((c) => !header.includes(c));
        if (missing.length) throw new FatalError(`${options.in}: missing column(s) ${missing.join(', ')}`);
        return header;
      },
      skip_empty_lines: true,
      bom: true,
    }),
  );
  try {
    for await (const row of parser as AsyncIterable<OnlineRetailRow>) {
      const event = adapter.push(row);
      if (event) await events.write(event);
    }
  } catch (e) {
    input.destroy();
    throw e instanceof FatalError ? e : new FatalError(`${options.in}: ${(e as Error).message}`);
  } finally {
    await events.close();
  }
  const { products, customers } = adapter.finish();
  const productWriter = new CsvFileWriter(files.products, PRODUCT_COLUMNS);
  for (const p of products) await productWriter.write(p);
  await productWriter.close();
  const customerWriter = new CsvFileWriter(files.customers, CUSTOMER_COLUMNS);
  for (const c of customers) await customerWriter.write(c);
  await customerWriter.close();
  return {
    counts: adapter.counts,
    files,
    written: {
      events: events.rows,
      products: products.length,
      customers: customers.length,
      categories: new Set(products.map((p) => p.category)).size,
    },
  };
}

async function openInput(path: string): Promise<Readable> {
  const file = createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', (e) => reject(new FatalError(`cannot read ${path}: ${e.message}`)));
  });
  return path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
}

export function printOnlineRetail(result: OnlineRetailResult, output: Output): void {
  const { counts, written, files } = result;
  const kept = counts.purchases + counts.returns;
  output.out(
    `read ${counts.rows} rows; kept ${kept} (${counts.purchases} purchases, ${counts.returns} returns, ${counts.guestRows} of them guest checkouts)`,
  );
  for (const [reason, n] of Object.entries(counts.dropped)) {
    if (n > 0) output.out(`dropped ${n} rows: ${reason.replace(/_/g, ' ')}`);
  }
  output.out(`wrote ${written.events} events → ${files.events}`);
  output.out(`wrote ${written.products} products in ${written.categories} categories → ${files.products}`);
  output.out(`wrote ${written.customers} customers → ${files.customers}`);
}

export function registerDatasetCommand(program: Command, output: Output = processOutput): void {
  const dataset = program
    .command('dataset')
    .description('convert a public dataset into canonical import files');
  dataset
    .command('online-retail')
    .description('UCI Online Retail → products.csv.gz, customers.csv.gz, events.csv.gz')
    .option('--in <file>', 'the raw online_retail.csv(.gz)', DEFAULT_ONLINE_RETAIL_IN)
    .option('--out <dir>', 'directory for the canonical files', DEFAULT_ONLINE_RETAIL_OUT)
    .action(async (options: OnlineRetailOptions) => {
      printOnlineRetail(await convertOnlineRetail(options), output);
    });
}
