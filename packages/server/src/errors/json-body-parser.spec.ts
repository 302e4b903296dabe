import { ApiError } from './api-error';
import { parseJsonBody } from './json-body-parser';

function parse(text: string): { error?: ApiError; value?: unknown } {
  let out: { error?: ApiError; value?: unknown } = {};
  parseJsonBody(undefined, Buffer.from(text), (err, value) => {
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

  it('refuses an empty body', () => {
    expect(parse('').error?.message).toMatch(/empty/);
  });

  it('refuses prototype-poisoning keys but not the words in values', () => {
    expect(parse('[{"__proto__": {"admin": true}}]').error?.getStatus()).toBe(400);
    expect(parse('{"constructor": {"prototype": {}}}').error?.getStatus()).toBe(400);
    expect(parse('[{"name": "__proto__ constructor"}]').value).toEqual([{ name: '__proto__ constructor' }]);
  });
});
