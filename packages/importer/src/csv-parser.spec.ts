import { CsvParser, type CsvRecord } from './csv-parser';

function parseAll(text: string, chunkSize = text.length || 1): CsvRecord[] {
  const parser = new CsvParser();
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += chunkSize) out.push(...parser.push(text.slice(i, i + chunkSize)));
  out.push(...parser.end());
  return out;
}

describe('CsvParser', () => {
  it('splits plain records and numbers lines from 1 (the header)', () => {
    expect(parseAll('a,b\n1,2\n3,4\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
      { line: 3, cells: ['3', '4'] },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and CRLF endings', () => {
    expect(parseAll('a,b\r\n"x, y","say ""hi"""\r\n"",\r\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"'] },
      { line: 3, cells: ['', ''] },
    ]);
  });

  it('gives a record spanning lines the line it starts on, and counts its lines', () => {
    expect(parseAll('a,b\n1,"two\nlines"\n3,4\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', 'two\nlines'] },
      { line: 4, cells: ['3', '4'] },
    ]);
  });

  it('skips blank lines but keeps counting them, and reads a last line without newline', () => {
    expect(parseAll('a\n\n1\n\r\n2')).toEqual([
      { line: 1, cells: ['a'] },
      { line: 3, cells: ['1'] },
      { line: 5, cells: ['2'] },
    ]);
  });

  it('strips a UTF-8 byte order mark', () => {
    expect(parseAll('\uFEFFa,b\n')).toEqual([{ line: 1, cells: ['a', 'b'] }]);
  });

  it('reports malformed records by line and carries on', () => {
    expect(parseAll('a,b\n"x"y,1\nx"y,2\n3,4\n"open,5\n6,7\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, error: 'malformed CSV: text after a closing quote' },
      { line: 3, error: 'malformed CSV: a quote inside an unquoted field' },
      { line: 4, cells: ['3', '4'] },
      { line: 5, error: 'malformed CSV: a quoted field is never closed' },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = 'id,name,n\r\n1,"a ""b""\r\nc",3\r\n2,plain,4\n\n3,"",5\r\n4,x,"6"';
    const whole = parseAll(text);
    for (const size of [1, 2, 3, 5, 7]) expect(parseAll(text, size)).toEqual(whole);
    expect(whole.at(-1)).toEqual({ line: 7, cells: ['4', 'x', '6'] });
  });
});
