import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ImportError } from './errors';
import { formatOf, openSource } from './source';

async function readAll(file: string): Promise<{ text: string; gzip: boolean }> {
  const source = await openSource(file);
  let text = '';
  for await (const chunk of source.text) text += chunk;
  source.close();
  return { text, gzip: source.gzip };
}

describe('openSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nb-source-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads plain text, and gzip by name or by magic bytes', async () => {
    await writeFile(join(dir, 'plain.csv'), 'a,b\n1,2\n');
    await writeFile(join(dir, 'packed.csv.gz'), gzipSync('a,b\n1,2\n'));
    await writeFile(join(dir, 'misnamed.csv'), gzipSync('a,b\n3,4\n'));
    expect(await readAll(join(dir, 'plain.csv'))).toEqual({ text: 'a,b\n1,2\n', gzip: false });
    expect(await readAll(join(dir, 'packed.csv.gz'))).toEqual({ text: 'a,b\n1,2\n', gzip: true });
    expect(await readAll(join(dir, 'misnamed.csv'))).toEqual({ text: 'a,b\n3,4\n', gzip: true });
  });

  it('fails clearly for a missing file and a corrupt gzip', async () => {
    await expect(openSource(join(dir, 'missing.csv'))).rejects.toThrow(ImportError);
    await expect(openSource(join(dir, 'missing.csv'))).rejects.toThrow('no such file');
    await writeFile(join(dir, 'broken.csv.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    await expect(readAll(join(dir, 'broken.csv.gz'))).rejects.toThrow('not a valid gzip file');
  });
});

describe('formatOf', () => {
  it.each([
    ['events.csv', 'csv'],
    ['events.csv.gz', 'csv'],
    ['events.ndjson', 'ndjson'],
    ['events.ndjson.gz', 'ndjson'],
    ['events.jsonl', 'ndjson'],
    ['EVENTS.JSON.GZ', 'ndjson'],
  ])('%s is %s', (file, format) => expect(formatOf(file)).toBe(format));
});
