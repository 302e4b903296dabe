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

/** A SQL string literal (standard_conforming_strings: only the quote is special). For COPY, which takes no parameters. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a SQL literal cannot hold NUL');
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * `COPY (query) TO STDOUT (FORMAT binary)` of a query selecting ONE bytea column, its rows' bytes
 * written one after another into `out` (which the caller sized): raw bytes straight off the wire,
 * without the hex text the driver makes of a bytea result (twice the bytes, one JS string each).
 * Resolves with the number of bytes written.
 */
export async function copyOutBytes(client: ClientBase, query: string, out: Uint8Array): Promise<number> {
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`));
  // The binary COPY layout: 11-byte signature, i32 flags, i32 header-extension length (+ that many
  // bytes), then per row i16 field count (-1 ends the data), per field i32 length (-1 = NULL) + bytes.
  const head = Buffer.alloc(19);
  let headHave = 0;
  let skip = 0; // header-extension bytes still to skip
  let need = 0; // bytes of the current field still to copy
  const small = Buffer.alloc(6); // a row's field count + the field's length, possibly split across chunks
  let smallHave = 0;
  let written = 0;
  let done = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let i = 0;
    while (i < chunk.length && !done) {
      if (headHave < 19) {
        const n = Math.min(19 - headHave, chunk.length - i);
        chunk.copy(head, headHave, i, i + n);
        headHave += n;
        i += n;
        if (headHave === 19) skip = head.readInt32BE(15);
      } else if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
      } else if (need > 0) {
        const n = Math.min(need, chunk.length - i);
        if (written + n > out.length) throw new Error(`COPY returned more than ${out.length} bytes`);
        out.set(chunk.subarray(i, i + n), written);
        written += n;
        need -= n;
        i += n;
      } else {
        const want = smallHave < 2 || small.readInt16BE(0) !== -1 ? 6 : 2;
        const n = Math.min(want - smallHave, chunk.length - i);
        chunk.copy(small, smallHave, i, i + n);
        smallHave += n;
        i += n;
        if (smallHave >= 2 && small.readInt16BE(0) === -1) done = true;
        else if (smallHave === 6) {
          if (small.readInt16BE(0) !== 1) throw new Error('copyOutBytes: the query must select one column');
          need = Math.max(small.readInt32BE(2), 0);
          smallHave = 0;
        }
      }
    }
  }
  return written;
}
