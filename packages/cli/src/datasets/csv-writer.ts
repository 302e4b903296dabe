import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

type Cell = string | number | boolean | null | undefined;

/** A CSV cell (RFC 4180): quoted only when it holds a comma, a quote or a line break. */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly Cell[]): string {
  return `${values.map(csvCell).join(',')}\n`;
}

/** Writes a CSV file (gzip-compressed when the name ends in `.gz`) with backpressure. */
export class CsvFileWriter<C extends string> {
  private readonly out: Writable;
  private readonly done: Promise<void>;
  rows = 0;

  constructor(
    path: string,
    private readonly columns: readonly C[],
  ) {
    const file = createWriteStream(path);
    if (path.endsWith('.gz')) {
      const gzip = createGzip();
      gzip.pipe(file);
      this.out = gzip;
    } else {
      this.out = file;
    }
    this.done = finished(file);
    this.out.write(csvLine(columns));
  }

  async write(record: Readonly<Record<C, Cell>>): Promise<void> {
    this.rows++;
    if (!this.out.write(csvLine(this.columns.map((c) => record[c])))) await once(this.out, 'drain');
  }

  /** Many rows as one write: the generator hands over a customer's whole history at once. */
  async writeAll(records: readonly Readonly<Record<C, Cell>>[]): Promise<void> {
    if (records.length === 0) return;
    this.rows += records.length;
    const text = records.map((r) => csvLine(this.columns.map((c) => r[c]))).join('');
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    this.out.end();
    await this.done;
  }
}
