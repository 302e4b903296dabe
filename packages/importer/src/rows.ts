import { CsvParser } from './csv-parser';
import { ImportError } from './errors';
import { NdjsonParser } from './ndjson-parser';
import type { FileFormat } from './source';

/** One data row of a file: its fields by name, or why it could not be read. */
export type SourceRow =
  | { line: number; input: Record<string, unknown>; errors?: undefined }
  | { line: number; input?: undefined; errors: string[] };

export interface RowReaderOptions {
  format: FileFormat;
  file: string;
  /** Columns a CSV header must name (a missing one stops the import before any row is read). */
  required: readonly string[];
}

/**
 * Text chunks (from `openSource`: invalid UTF-8 escaped as lone surrogates) → batches of rows (one batch per chunk, so the caller can await between batches
 * and the file is read no faster than it is stored). Line numbers are physical lines of the file,
 * 1-based, the CSV header being line 1; a CSV record spanning lines has the line it starts on.
 */
export async function* readRows(
  text: AsyncIterable<string>,
  options: RowReaderOptions,
): AsyncGenerator<SourceRow[]> {
  if (options.format === 'ndjson') {
    const parser = new NdjsonParser();
    for await (const chunk of text) yield parser.push(chunk).map(jsonRow);
    yield parser.end().map(jsonRow);
    return;
  }
  const parser = new CsvParser();
  let header: string[] | undefined;
  const toRows = (records: ReturnType<CsvParser['push']>): SourceRow[] => {
    const rows: SourceRow[] = [];
    for (const r of records) {
      if (!header) {
        if (r.error !== undefined)
          throw new ImportError(`${options.file}:${r.line}: the header is not valid CSV (${r.error})`);
        header = checkHeader(r.cells, r.line, options);
        continue;
      }
      if (r.error !== undefined) {
        rows.push({ line: r.line, errors: [r.error] });
      } else if (r.cells.length !== header.length) {
        rows.push({
          line: r.line,
          errors: [`expected ${header.length} columns as in the header, got ${r.cells.length}`],
        });
      } else {
        const input: Record<string, unknown> = {};
        let invalid: string | undefined;
        for (let i = 0; i < header.length; i++) {
          const cell = r.cells[i] as string;
          // The decoder escaped invalid bytes as lone surrogates, which well-formed text never holds.
          if (!cell.isWellFormed()) invalid ??= header[i];
          input[header[i] as string] = cell;
        }
        rows.push(
          invalid === undefined
            ? { line: r.line, input }
            : { line: r.line, errors: [`invalid UTF-8 in ${invalid}`] },
        );
      }
    }
    return rows;
  };
  for await (const chunk of text) yield toRows(parser.push(chunk));
  yield toRows(parser.end());
  if (!header) throw new ImportError(`${options.file}: the file is empty (a CSV file needs a header row)`);
}

function jsonRow(r: { line: number; value?: unknown; error?: string }): SourceRow {
  if (r.error !== undefined) return { line: r.line, errors: [r.error] };
  const v = r.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { line: r.line, errors: ['must be a JSON object'] };
  return { line: r.line, input: v as Record<string, unknown> };
}

function checkHeader(cells: string[], line: number, { file, required }: RowReaderOptions): string[] {
  if (cells.some((c) => !c.isWellFormed()))
    throw new ImportError(`${file}:${line}: the header is not valid UTF-8`);
  const header = cells.map((c) => c.trim());
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new ImportError(
      `${file}:${line}: the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (required: ${required.join(', ')}; found: ${header.join(', ')})`,
    );
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (!name) throw new ImportError(`${file}:${line}: the header has an empty column name`);
    if (seen.has(name)) throw new ImportError(`${file}:${line}: the header names column ${name} twice`);
    seen.add(name);
  }
  return header;
}
