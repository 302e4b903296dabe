/** Reads the canonical dataset files (SPEC CSV, gzip) into an engine snapshot. Bench-only I/O. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { buildSnapshot, type EventRow, type EventTypeName, type Snapshot } from '@nextbuy/engine';

export const DATA_DIR = join(__dirname, '../../data/online-retail');

/** The `--data DIR` option of the bench scripts (another store in the SPEC's CSV layout), or DATA_DIR. */
export function dataDirArg(argv: readonly string[] = process.argv): string {
  const i = argv.indexOf('--data');
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : DATA_DIR;
}

function parseLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function* rows(file: string): Generator<Record<string, string>> {
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  const lines = text.split('\n');
  const header = parseLine(lines[0]!.trim());
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (!line) continue;
    const cells = parseLine(line);
    const row: Record<string, string> = {};
    header.forEach((h, j) => (row[h] = cells[j] ?? ''));
    yield row;
  }
}

export function loadDataset(dir = DATA_DIR): Snapshot {
  const products = Array.from(rows(join(dir, 'products.csv.gz')), (r) => {
    const { product_id, name, category, brand, price, available, ...rest } = r;
    return {
      product_id: product_id!,
      name,
      category: category || undefined,
      brand: brand || undefined,
      price: price ? Number(price) : undefined,
      available: available !== 'false',
      attributes: Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== '')),
    };
  });
  const customers = Array.from(rows(join(dir, 'customers.csv.gz')), (r) => ({
    customer_id: r.customer_id!,
    segment: r.segment || undefined,
  }));
  const events: EventRow[] = [];
  for (const r of rows(join(dir, 'events.csv.gz'))) {
    events.push({
      customer_id: r.customer_id!,
      product_id: r.product_id!,
      type: r.type as EventTypeName,
      timestamp: Date.parse(r.timestamp!),
      order_id: r.order_id || undefined,
      quantity: r.quantity ? Number(r.quantity) : undefined,
    });
  }
  return buildSnapshot({ products, customers, events });
}
