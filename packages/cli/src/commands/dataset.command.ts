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
import {
  SYNTHETIC_CUSTOMER_COLUMNS,
  SYNTHETIC_EVENT_COLUMNS,
  SYNTHETIC_PRODUCT_COLUMNS,
  SyntheticStore,
  type SyntheticSizes,
} from '../datasets/synthetic';
import {
  CATEGORY_TREE,
  DEFAULT_SYNTHETIC_PRESET,
  DEFAULT_SYNTHETIC_SEED,
  SYNTHETIC_PRESETS,
  type SyntheticPreset,
} from '../datasets/synthetic-model';
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

export interface SyntheticOptions {
  preset?: string;
  customers?: string;
  products?: string;
  events?: string;
  seed?: string;
  out?: string;
}

export interface SyntheticResult {
  sizes: SyntheticSizes;
  files: { events: string; products: string; customers: string };
  seconds: number;
}

/** Sizes beyond this are typos, not stores (10M events already take minutes). */
export const MAX_SYNTHETIC_SIZE = 1_000_000_000;
/** Every leaf of the category tree gets at least one product, so each has a best seller. */
export const MIN_SYNTHETIC_PRODUCTS = Object.values(CATEGORY_TREE).reduce(
  (n, leaves) => n + Object.keys(leaves).length,
  0,
);

function parseCount(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new FatalError(
      `${flag} must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`,
    );
  return Number(text);
}

/** The sizes, seed and output directory the options ask for: a preset fills in what is not given. */
export function resolveSynthetic(options: SyntheticOptions): { sizes: SyntheticSizes; out: string } {
  const presetName = options.preset ?? DEFAULT_SYNTHETIC_PRESET;
  if (!Object.hasOwn(SYNTHETIC_PRESETS, presetName))
    throw new FatalError(
      `--preset must be one of ${Object.keys(SYNTHETIC_PRESETS).join(', ')} (got ${JSON.stringify(presetName)})`,
    );
  const preset = SYNTHETIC_PRESETS[presetName as SyntheticPreset];
  const sizes: SyntheticSizes = {
    customers: parseCount('--customers', options.customers, preset.customers, 1, MAX_SYNTHETIC_SIZE),
    products: parseCount(
      '--products',
      options.products,
      preset.products,
      MIN_SYNTHETIC_PRODUCTS,
      MAX_SYNTHETIC_SIZE,
    ),
    events: parseCount('--events', options.events, preset.events, 0, MAX_SYNTHETIC_SIZE),
    seed: parseCount('--seed', options.seed, DEFAULT_SYNTHETIC_SEED, 0, 0xffffffff),
  };
  const asPreset =
    sizes.customers === preset.customers &&
    sizes.products === preset.products &&
    sizes.events === preset.events;
  const name = asPreset ? presetName : `${sizes.customers}c-${sizes.products}p-${sizes.events}e`;
  const seed = sizes.seed === DEFAULT_SYNTHETIC_SEED ? '' : `-seed${sizes.seed}`;
  return { sizes, out: options.out ?? join('data', `synthetic-${name}${seed}`) };
}

/** Writes a synthetic store's canonical files, one customer's history at a time (flat memory). */
export async function generateSynthetic(options: SyntheticOptions): Promise<SyntheticResult> {
  const started = Date.now();
  const { sizes, out } = resolveSynthetic(options);
  await mkdir(out, { recursive: true });
  const files = {
    events: join(out, 'events.csv.gz'),
    products: join(out, 'products.csv.gz'),
    customers: join(out, 'customers.csv.gz'),
  };
  const store = new SyntheticStore(sizes);
  const products = new CsvFileWriter(files.products, SYNTHETIC_PRODUCT_COLUMNS);
  await products.writeAll(store.productRows());
  await products.close();
  const customers = new CsvFileWriter(files.customers, SYNTHETIC_CUSTOMER_COLUMNS);
  const events = new CsvFileWriter(files.events, SYNTHETIC_EVENT_COLUMNS);
  try {
    for (const customer of store.customers()) {
      await customers.write(store.customerRow(customer));
      await events.writeAll(customer.events.map((e, n) => store.eventRow(customer, e, n)));
    }
  } finally {
    await customers.close();
    await events.close();
  }
  return { sizes, files, seconds: (Date.now() - started) / 1000 };
}

export function printSynthetic(result: SyntheticResult, output: Output): void {
  const { sizes, files } = result;
  const n = (x: number) => x.toLocaleString('en');
  output.out(`wrote ${n(sizes.products)} products → ${files.products}`);
  output.out(`wrote ${n(sizes.customers)} customers → ${files.customers}`);
  output.out(
    `wrote ${n(sizes.events)} events → ${files.events} (seed ${sizes.seed}, ${result.seconds.toFixed(1)} s)`,
  );
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
  dataset
    .command('synthetic')
    .description('a synthetic store (docs/datasets.md) → products.csv.gz, customers.csv.gz, events.csv.gz')
    .option(
      '--preset <name>',
      `sizes to start from: ${Object.keys(SYNTHETIC_PRESETS).join(', ')}`,
      DEFAULT_SYNTHETIC_PRESET,
    )
    .option('--customers <n>', "number of customers (default: the preset's)")
    .option('--products <n>', "number of products (default: the preset's)")
    .option('--events <n>', "number of events (default: the preset's)")
    .option('--seed <n>', 'the same seed and sizes give byte-identical files', String(DEFAULT_SYNTHETIC_SEED))
    .option('--out <dir>', 'directory for the canonical files (default data/synthetic-<preset or sizes>)')
    .action(async (options: SyntheticOptions) => {
      printSynthetic(await generateSynthetic(options), output);
    });
}
