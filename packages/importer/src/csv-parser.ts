/**
 * A streaming CSV parser (RFC 4180: comma-separated, `"` quotes, `""` inside quotes, CRLF or LF)
 * that knows the line each record starts on, so a rejected row can be named by its line. A quoted
 * field may span lines; its record keeps the line it started on.
 *
 * Written by hand rather than with csv-parse because the import spends its time here: on the
 * Online Retail events file it parses about 4x faster (see bench/import/RESULTS.md), and a malformed
 * record becomes one reported row instead of an exception that ends the stream.
 */
export type CsvRecord =
  { line: number; cells: string[]; error?: undefined } | { line: number; cells?: undefined; error: string };

export class CsvParser {
  private buffer = '';
  /** Line number of `buffer[0]`. */
  private line = 1;
  private started = false;

  /** Parses what `text` completes; keeps an unfinished last record for the next call. */
  push(text: string): CsvRecord[] {
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer = this.buffer ? this.buffer + text : text;
    return this.parse(false);
  }

  /** The last record (a file need not end with a newline), or an unterminated quoted field. */
  end(): CsvRecord[] {
    return this.parse(true);
  }

  private parse(final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    const buf = this.buffer;
    const length = buf.length;
    let pos = 0;
    let line = this.line;
    let quote = buf.indexOf('"');
    while (pos < length) {
      let nl = buf.indexOf('\n', pos);
      if (quote !== -1 && quote < pos) quote = buf.indexOf('"', pos);
      if (quote === -1 || (nl !== -1 && quote > nl)) {
        // Fast path: no quote in this record.
        if (nl === -1) {
          if (!final) break;
          nl = length;
        }
        let end = nl;
        if (end > pos && buf.charCodeAt(end - 1) === 13) end--;
        if (end > pos) out.push({ line, cells: buf.slice(pos, end).split(',') });
        pos = nl + 1;
        line++;
        continue;
      }
      const record = parseQuoted(buf, pos, line, final);
      if (!record) break;
      if (record.record) out.push(record.record);
      pos = record.next;
      line = record.nextLine;
    }
    this.buffer = pos >= length ? '' : buf.slice(pos);
    this.line = line;
    return out;
  }
}

interface Parsed {
  record: CsvRecord | undefined;
  next: number;
  nextLine: number;
}

/** One record that holds a quote, character by character; undefined when it needs more text. */
function parseQuoted(buf: string, start: number, line: number, final: boolean): Parsed | undefined {
  const cells: string[] = [];
  const length = buf.length;
  let lines = 0;
  let pos = start;
  for (;;) {
    // At the start of a field.
    let cell: string;
    if (buf.charCodeAt(pos) === 34) {
      cell = '';
      let i = pos + 1;
      for (;;) {
        const q = buf.indexOf('"', i);
        if (q === -1) {
          if (!final) return undefined;
          return {
            record: { line, error: 'malformed CSV: a quoted field is never closed' },
            next: length,
            nextLine: line + lines + countNewlines(buf, i, length),
          };
        }
        lines += countNewlines(buf, i, q);
        if (q + 1 >= length && !final) return undefined;
        if (buf.charCodeAt(q + 1) === 34) {
          cell += buf.slice(i, q + 1);
          i = q + 2;
          continue;
        }
        cell += buf.slice(i, q);
        pos = q + 1;
        break;
      }
      const c = buf.charCodeAt(pos);
      if (
        pos < length &&
        c !== 44 &&
        c !== 10 &&
        !(c === 13 && (pos + 1 >= length || buf.charCodeAt(pos + 1) === 10))
      ) {
        return skipLine(buf, pos, line, lines, final, 'malformed CSV: text after a closing quote');
      }
    } else {
      let end = pos;
      while (end < length) {
        const c = buf.charCodeAt(end);
        if (c === 44 || c === 10) break;
        if (c === 34)
          return skipLine(buf, end, line, lines, final, 'malformed CSV: a quote inside an unquoted field');
        end++;
      }
      if (end >= length && !final) return undefined;
      cell = buf.slice(pos, end);
      if (cell.endsWith('\r') && (end >= length || buf.charCodeAt(end) === 10)) cell = cell.slice(0, -1);
      pos = end;
    }
    cells.push(cell);
    if (pos >= length) {
      if (!final) return undefined;
      return { record: { line, cells }, next: length, nextLine: line + lines + 1 };
    }
    const c = buf.charCodeAt(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 13) {
      if (pos + 1 >= length && !final) return undefined;
      pos++;
    }
    // A newline ends the record.
    return { record: { line, cells }, next: pos + 1, nextLine: line + lines + 1 };
  }
}

/** A malformed record: report it and resume after the end of its physical line. */
function skipLine(
  buf: string,
  from: number,
  line: number,
  lines: number,
  final: boolean,
  error: string,
): Parsed | undefined {
  const nl = buf.indexOf('\n', from);
  if (nl === -1 && !final) return undefined;
  return { record: { line, error }, next: nl === -1 ? buf.length : nl + 1, nextLine: line + lines + 1 };
}

function countNewlines(buf: string, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf('\n', from); i !== -1 && i < to; i = buf.indexOf('\n', i + 1)) n++;
  return n;
}
