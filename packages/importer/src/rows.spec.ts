import { ImportError } from './errors';
import { readRows, type SourceRow } from './rows';

async function collect(
  text: string,
  format: 'csv' | 'ndjson',
  required: string[] = ['id'],
): Promise<SourceRow[]> {
  async function* chunks() {
    yield await Promise.resolve(text);
  }
  const rows: SourceRow[] = [];
  for await (const batch of readRows(chunks(), { format, file: 'f.csv', required })) rows.push(...batch);
  return rows;
}

describe('readRows', () => {
  it('maps CSV cells to the header names, with line numbers', async () => {
    expect(await collect('id,name\n1,a\n2,b\n', 'csv')).toEqual([
      { line: 2, input: { id: '1', name: 'a' } },
      { line: 3, input: { id: '2', name: 'b' } },
    ]);
  });

  it('rejects a row with the wrong number of columns', async () => {
    expect(await collect('id,name\n1,a,extra\n2\n', 'csv')).toEqual([
      { line: 2, errors: ['expected 2 columns as in the header, got 3'] },
      { line: 3, errors: ['expected 2 columns as in the header, got 1'] },
    ]);
  });

  it('stops with one clear error when the header lacks a required column', async () => {
    await expect(collect('name,price\nx,1\n', 'csv', ['product_id'])).rejects.toThrow(
      new ImportError(
        'f.csv:1: the header has no product_id column (required: product_id; found: name, price)',
      ),
    );
    await expect(collect('id,id\n', 'csv')).rejects.toThrow('names column id twice');
    await expect(collect('', 'csv')).rejects.toThrow('the file is empty');
  });

  it('reads NDJSON lines, reporting malformed JSON and non-objects by line', async () => {
    const rows = await collect('{"id":1}\n\n{"id":\n[1]\n{"id":"x"}', 'ndjson');
    expect(rows).toEqual([
      { line: 1, input: { id: 1 } },
      { line: 3, errors: [expect.stringMatching(/^malformed JSON: /)] },
      { line: 4, errors: ['must be a JSON object'] },
      { line: 5, input: { id: 'x' } },
    ]);
  });
});
