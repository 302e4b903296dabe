import { copyTextField, copyTextRow } from '@nextbuy/db';
import { KIND_SPECS } from './kinds';

describe('COPY text encoding', () => {
  it('escapes backslash, tab and line breaks, and writes NULL as \\N', () => {
    expect(copyTextField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyTextField(null)).toBe('\\N');
    expect(copyTextField(undefined)).toBe('\\N');
    expect(copyTextField(2.5)).toBe('2.5');
    expect(copyTextField(false)).toBe('false');
    expect(copyTextRow(['x', null, 1])).toBe('x\t\\N\t1\n');
  });
});

describe('event rows', () => {
  const encode = () => KIND_SPECS.events.encoder();
  const row = {
    customer_id: 'c1',
    product_id: 'p1',
    type: 'purchase',
    timestamp: '2011-06-01 10:00',
    quantity: '2',
    price: '',
  };

  it('validates with the contracts schema and derives a repeatable event id', () => {
    const first = encode()(row, 0);
    const again = encode()(row, 0);
    expect(first).toEqual(again);
    expect(first.ok && first.value.split('\t')).toEqual([
      expect.stringMatching(/^nb1:/),
      'c1',
      'p1',
      'purchase',
      '2011-06-01T10:00:00.000Z',
      '\\N',
      '\\N',
      '2',
      '\\N\n',
    ]);
  });

  it('keeps two identical rows of one file apart', () => {
    const e = encode();
    const a = e(row, 0);
    const b = e(row, 1);
    expect(a.ok && b.ok && a.value !== b.value).toBe(true);
  });

  it('rejects with readable reasons', () => {
    const result = encode()({ ...row, type: 'buy', quantity: 'two', timestamp: 'yesterday' }, 0);
    expect(result).toEqual({
      ok: false,
      errors: [
        'type must be one of view, click, cart_add, cart_remove, purchase, return (got "buy")',
        'timestamp must be an ISO 8601 date-time (got "yesterday")',
        'quantity must be a number (got "two")',
      ],
    });
  });
});
