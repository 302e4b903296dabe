import { ApiError } from './api-error';
import { parseJsonBody } from './json-body-parser';

function parse(text: string | Buffer): { error?: ApiError; value?: unknown } {
  let out: { error?: ApiError; value?: unknown } = {};
  parseJsonBody(undefined, typeof text === 'string' ? Buffer.from(text) : text, (err, value) => {
    out = err ? { error: err as ApiError } : { value };
  });
  return out;
}

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parse('[{"a":1}]').value).toEqual([{ a: 1 }]);
  });

  it('says what is wrong and where', () => {
    const { error } = parse('[\n  {"a": 1,}\n]');
    expect(error?.getStatus()).toBe(400);
    expect(error?.message).toMatch(/^Malformed JSON body: .*position 12 \(line 2, column 11\)$/);
    expect(parse('[{"a": 1}').error?.message).toMatch(/^Malformed JSON body: /);
  });

  it('refuses invalid UTF-8 rather than storing U+FFFD in its place (issue #15, defect 4)', () => {
    const { error } = parse(Buffer.from('[{"customer_id": "bad\xff\xfe"}]', 'latin1'));
    expect(error?.getStatus()).toBe(400);
    expect(error?.message).toBe('Request body is not valid UTF-8');
    expect(parse('[{"customer_id": "caf\u00e9 \ufffd"}]').value).toEqual([
      { customer_id: 'caf\u00e9 \ufffd' },
    ]);
  });

  it('refuses an empty body', () => {
    expect(parse('').error?.message).toMatch(/empty/);
  });

  it('refuses prototype-poisoning keys but not the words in values', () => {
    expect(parse('[{"__proto__": {"admin": true}}]').error?.getStatus()).toBe(400);
    expect(parse('{"constructor": {"prototype": {}}}').error?.getStatus()).toBe(400);
    expect(parse('[{"name": "__proto__ constructor"}]').value).toEqual([{ name: '__proto__ constructor' }]);
  });
});
