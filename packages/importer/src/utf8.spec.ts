import { Utf8Decoder } from './utf8';

const decodeAll = (chunks: Buffer[]) => {
  const decoder = new Utf8Decoder();
  return chunks.map((c) => decoder.write(c)).join('') + decoder.end();
};

describe('Utf8Decoder', () => {
  it('decodes valid UTF-8 like Buffer#toString, however the chunks split it', () => {
    const text = 'plain, ünïcödé €, 😀 and a real \ufffd\n';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(decodeAll([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(text);
    }
    expect(decodeAll([...bytes].map((b) => Buffer.from([b])))).toBe(text);
  });

  it('turns each invalid byte into a lone surrogate in its place, never U+FFFD', () => {
    const out = decodeAll([Buffer.from('csvbad\xff\xfeutf,ok\n', 'latin1')]);
    expect(out).toBe('csvbad\udcff\udcfeutf,ok\n');
    expect(out.isWellFormed()).toBe(false);
    expect(out.includes('\ufffd')).toBe(false);
  });

  it('escapes overlong forms, encoded surrogates, stray continuations and sequences cut short', () => {
    const cases: [number[], string][] = [
      [[0xc0, 0xaf], '\udcc0\udcaf'],
      [[0xe0, 0x80, 0xaf], '\udce0\udc80\udcaf'],
      [[0xed, 0xa0, 0x80], '\udced\udca0\udc80'],
      [[0xf4, 0x90, 0x80, 0x80], '\udcf4\udc90\udc80\udc80'],
      [[0x80, 0x41], '\udc80A'],
      [[0xe2, 0x82, 0x41], '\udce2\udc82A'],
    ];
    for (const [bytes, text] of cases) expect(decodeAll([Buffer.from(bytes)])).toBe(text);
    // A sequence the file never finishes.
    expect(decodeAll([Buffer.from([0x41, 0xe2, 0x82])])).toBe('A\udce2\udc82');
  });
});
