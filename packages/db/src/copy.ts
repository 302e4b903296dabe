import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { StringDecoder } from 'node:string_decoder';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { quoteIdent } from './migrate';

/** A value of one COPY text-format field; null and undefined are SQL NULL. */
export type CopyValue = string | number | boolean | Buffer | null | undefined;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One field of PostgreSQL's COPY text format: `\N` for NULL, and backslash, tab, newline and
 * carriage return escaped (the only characters the format gives a meaning to).
 */
export function copyTextField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  // bytea in hex form, its backslash escaped for the text format.
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  if (typeof value !== 'string') return String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : value;
}

/** One row of COPY text format, newline included. */
export function copyTextRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    line += copyTextField(values[i]);
  }
  return `${line}\n`;
}

/**
 * A `COPY table (columns) FROM STDIN` in text format on one connection: write rows (encoded with
 * `copyTextRow`, many per chunk), honouring backpressure, then `end()` for the server's row count.
 * A failed COPY leaves the connection usable (the stream sends CopyFail on `abort`).
 */
export class CopyWriter {
  private readonly stream: ReturnType<typeof copyFrom>;
  private failure: Error | undefined;
  /** Settles when the stream ends or fails: one set of listeners for the writer's whole life. */
  private readonly closed: Promise<void>;

  constructor(client: ClientBase, table: string, columns: readonly string[]) {
    const target = `${table.split('.').map(quoteIdent).join('.')} (${columns.map(quoteIdent).join(', ')})`;
    this.stream = client.query(copyFrom(`COPY ${target} FROM STDIN`));
    this.stream.on('error', (e: Error) => {
      this.failure ??= e;
    });
    this.closed = finished(this.stream).catch((e: Error) => {
      this.failure ??= e;
    });
  }

  /** Resolves when the stream can take more (backpressure); rejects when the COPY failed. */
  async write(chunk: string): Promise<void> {
    this.throwIfFailed();
    if (!this.stream.write(chunk)) {
      await Promise.race([once(this.stream, 'drain'), this.closed]);
      this.throwIfFailed();
    }
  }

  /** Finishes the COPY; resolves with the number of rows the server stored. */
  async end(): Promise<number> {
    this.throwIfFailed();
    this.stream.end();
    await this.closed;
    this.throwIfFailed();
    return this.stream.rowCount;
  }

  /** The stream's 'error' handler may have set `failure` while we awaited. */
  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Cancels the COPY (nothing it sent is kept); resolves once the server has answered. */
  async abort(reason: Error): Promise<void> {
    if (this.stream.writableFinished || this.stream.destroyed) return;
    this.stream.destroy(reason);
    await this.closed;
  }
}

const UNESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One field of COPY text format back to its value (`\N` is SQL NULL). */
export function parseCopyTextField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)/g, (_, e: string) => {
    if (e.length > 1 || (e >= '0' && e <= '7'))
      return String.fromCharCode(e[0] === 'x' ? parseInt(e.slice(1), 16) : parseInt(e, 8));
    return UNESCAPES[e] ?? e;
  });
}

/**
 * `COPY (query) TO STDOUT` in text format, in batches of rows (one per chunk received): the fastest
 * way to read many rows — no per-row protocol message, no type parsing; each field is text or null.
 * The query must be trusted SQL (COPY takes no parameters).
 */
export async function* copyOutRows(client: ClientBase, query: string): AsyncGenerator<(string | null)[][]> {
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT`));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    const rows: (string | null)[][] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      rows.push(text.slice(start, nl).split('\t').map(parseCopyTextField));
      start = nl + 1;
    }
    rest = text.slice(start);
    if (rows.length) yield rows;
  }
  rest += decoder.end();
  if (rest) yield [rest.split('\t').map(parseCopyTextField)];
}
