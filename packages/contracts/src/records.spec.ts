import fc from 'fast-check';
import {
  EVENT_TYPES,
  customerRecordSchema,
  eventRecordSchema,
  productRecordSchema,
  unstorableText,
  validate,
  validateEvent,
} from './records';

describe('eventRecordSchema', () => {
  const good = { customer_id: 'c1', product_id: 'p1', type: 'purchase', timestamp: '2011-11-09T08:26:00' };

  it('accepts a minimal event and reads the timestamp as UTC', () => {
    const r = validate(eventRecordSchema, good);
    expect(r).toEqual({
      ok: true,
      value: expect.objectContaining({
        customer_id: 'c1',
        type: 'purchase',
        timestamp: new Date('2011-11-09T08:26:00Z'),
      }),
    });
  });

  it('accepts CSV text for numbers and treats empty cells as absent', () => {
    const r = validate(eventRecordSchema, {
      ...good,
      quantity: '3',
      price: '2.55',
      order_id: '',
      event_id: '',
    });
    expect(r.ok && r.value).toMatchObject({
      quantity: 3,
      price: 2.55,
      order_id: undefined,
      event_id: undefined,
    });
  });

  it('keeps numeric ids from JSON as text', () => {
    const r = validate(eventRecordSchema, { ...good, customer_id: 17850 });
    expect(r.ok && r.value.customer_id).toBe('17850');
  });

  it('names every problem of a bad row', () => {
    const r = validate(eventRecordSchema, {
      customer_id: 'c1',
      product_id: '',
      type: 'buy',
      timestamp: '09/11/2011',
      quantity: 'three',
    });
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        'product_id is required',
        expect.stringMatching(
          /^type must be one of view, click, cart_add, cart_remove, purchase, return \(got "buy"\)/,
        ),
        'timestamp must be an ISO 8601 date-time (got "09/11/2011")',
        'quantity must be a number (got "three")',
      ]),
    );
  });

  it('reports a missing timestamp and a negative quantity', () => {
    const r = validate(eventRecordSchema, { customer_id: 'c', product_id: 'p', type: 'view', quantity: -2 });
    expect(r.ok ? [] : r.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^timestamp/),
        'quantity must be greater than 0 (got -2)',
      ]),
    );
  });

  it('rejects what is not an object', () => {
    expect(validate(eventRecordSchema, 'x')).toEqual({
      ok: false,
      errors: ['must be a JSON object (got a string)'],
    });
    expect(validate(eventRecordSchema, [good])).toEqual({
      ok: false,
      errors: ['must be a JSON object (got an array)'],
    });
  });
});

describe('productRecordSchema', () => {
  it('keeps unknown columns as attributes and reads available', () => {
    const r = validate(productRecordSchema, {
      product_id: '85123A',
      name: 'WHITE HANGING HEART T-LIGHT HOLDER',
      price: '2.55',
      available: 'false',
      colour: 'white',
      pack: 6,
      empty: '',
    });
    expect(r.ok && r.value).toEqual({
      product_id: '85123A',
      name: 'WHITE HANGING HEART T-LIGHT HOLDER',
      category: undefined,
      brand: undefined,
      price: 2.55,
      available: false,
      attributes: { colour: 'white', pack: 6 },
    });
  });

  it('merges an explicit attributes object', () => {
    const r = validate(productRecordSchema, { product_id: 'p', attributes: { size: 'L' }, colour: 'red' });
    expect(r.ok && r.value.attributes).toEqual({ size: 'L', colour: 'red' });
  });

  it('rejects a bad availability flag and a negative price', () => {
    const r = validate(productRecordSchema, { product_id: 'p', available: 'maybe', price: -1 });
    expect(r.ok ? [] : r.errors).toEqual([
      'price must be zero or more (got -1)',
      'available must be true or false (got "maybe")',
    ]);
  });
});

describe('customerRecordSchema', () => {
  it('reads segment, signup date and attributes', () => {
    const r = validate(customerRecordSchema, {
      customer_id: 12346,
      segment: 'UK',
      signup_date: '2010-12-01',
      country: 'United Kingdom',
    });
    expect(r.ok && r.value).toEqual({
      customer_id: '12346',
      segment: 'UK',
      signup_date: new Date('2010-12-01T00:00:00Z'),
      attributes: { country: 'United Kingdom' },
    });
  });
});

describe('unstorableText', () => {
  it('names NUL and lone surrogates, and passes any other text', () => {
    expect(unstorableText('a\u0000b')).toBe('contains a NUL character (U+0000)');
    expect(unstorableText('\ud800')).toBe('contains a lone UTF-16 surrogate (not valid Unicode)');
    expect(unstorableText('x\udc00')).toBe('contains a lone UTF-16 surrogate (not valid Unicode)');
    for (const fine of ['', 'plain', 'ünïcödé €', '😀 paired surrogates', '\ufffd', '\u0001\u007f'])
      expect(unstorableText(fine)).toBeUndefined();
  });

  it('makes a record with such text invalid, naming the field', () => {
    const r = validate(productRecordSchema, {
      product_id: 'p',
      brand: 'a\u0000',
      attributes: { k: '\ud800' },
    });
    expect(r.ok ? [] : r.errors).toEqual([
      'brand contains a NUL character (U+0000)',
      'attribute "k" contains a lone UTF-16 surrogate (not valid Unicode)',
    ]);
  });
});

describe('validateEvent', () => {
  // Cells near every rule's edge: blanks and spaces, lengths around 256, NUL, lone surrogates,
  // numbers in odd spellings and out of range, timestamps valid and not, and non-string JSON values.
  const text = fc.oneof(
    fc.constantFrom('', ' ', '  x ', 'c1', 'p-9', '\u0000', 'a\u0000b', '\ud800', ' \udc00', 'ünï €', '😀'),
    fc.constantFrom('x'.repeat(256), 'y'.repeat(257), ` ${'z'.repeat(256)} `),
    fc.string({ maxLength: 8 }),
    fc.string({ unit: 'binary', maxLength: 4 }),
  );
  const number = fc.oneof(
    fc.constantFrom('0', '-0', '1', ' 3 ', '2.55', '1e9', '1000000001', '1e12', '1e13', '-1', 'NaN'),
    fc.constantFrom('Infinity', '0x10', '', ' ', 'abc', '1,5'),
    fc.double().map(String),
    // JSON numbers (an events batch): edges of both ranges, and what JSON cannot carry.
    fc.constantFrom(0, -0, 0.5, 1e9, 1e9 + 1, 1e12, 1e12 + 1, -1, NaN, Infinity, -Infinity),
    fc.double(),
  );
  const timestamp = fc.oneof(
    fc.constantFrom('2011-11-09T08:26:00', '2011-11-09T08:26:00Z', ' 2024-02-29 23:59:59.123+01:00 '),
    fc.constantFrom('2023-02-29T00:00:00Z', '2011-11-09T24:00:00Z', '2011-11-09', '', 'yesterday'),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  );
  const json = fc.constantFrom(null, 7, 2.5, -1, true, [], {});
  const field = <T>(arb: fc.Arbitrary<T>) =>
    fc.option(fc.oneof({ weight: 6, arbitrary: arb }, json), { nil: undefined });
  const row = fc.record(
    {
      event_id: field(text),
      customer_id: field(text),
      product_id: field(text),
      type: field(fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.constantFrom('', 'VIEW', ' view', 'buy'))),
      timestamp: field(timestamp),
      session_id: field(text),
      order_id: field(text),
      quantity: field(number),
      price: field(number),
      extra: field(text),
    },
    { requiredKeys: [] },
  );

  // Valid rows with at most two fields swapped for any value above: most stay close to the edge.
  const good = fc.record({
    event_id: fc.constantFrom('', 'e-1', ' nb1:x '),
    customer_id: fc.constantFrom('c1', ' 17850 ', 'ünï'),
    product_id: fc.constantFrom('85123A', 'p'),
    type: fc.constantFrom(...EVENT_TYPES),
    timestamp: timestamp.filter(
      (t) =>
        validate(eventRecordSchema, { customer_id: 'c', product_id: 'p', type: 'view', timestamp: t }).ok,
    ),
    session_id: fc.constantFrom('', 's1'),
    order_id: fc.constantFrom('', '536365'),
    quantity: fc.constantFrom('', '6', '0.5'),
    price: fc.constantFrom('', '0', '2.55'),
  });
  const keys = [
    'event_id',
    'customer_id',
    'product_id',
    'type',
    'timestamp',
    'session_id',
    'order_id',
    'quantity',
    'price',
  ];
  const anyValue = fc.oneof(text, number, timestamp, json, fc.constant(undefined));
  const nearGood = fc
    .tuple(good, fc.array(fc.tuple(fc.constantFrom(...keys), anyValue), { maxLength: 2 }))
    .map(([base, swaps]) => {
      const input: Record<string, unknown> = { ...base };
      for (const [k, v] of swaps)
        if (v === undefined) delete input[k];
        else input[k] = v;
      return input;
    });

  it('gives exactly what the schema gives, values and error messages alike', () => {
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(row, nearGood), (input) => {
        const expected = validate(eventRecordSchema, input);
        if (expected.ok) valid++;
        expect(validateEvent(input)).toEqual(expected);
      }),
      { numRuns: 5_000 },
    );
    // The random rows reach both sides: valid ones (the hand-read path) and invalid ones.
    expect(valid).toBeGreaterThan(250);
    expect(valid).toBeLessThan(4_750);
  });

  it('gives what the schema gives for a plain CSV row and for inputs that are no object', () => {
    const csv = {
      event_id: '',
      customer_id: ' 17850 ',
      product_id: '85123A',
      type: 'purchase',
      timestamp: '2010-12-01T08:26:00Z',
      session_id: '',
      order_id: '536365',
      quantity: '6',
      price: '2.55',
    };
    expect(validateEvent(csv)).toEqual(validate(eventRecordSchema, csv));
    expect(validateEvent(csv)).toEqual({
      ok: true,
      value: expect.objectContaining({ customer_id: '17850', quantity: 6 }),
    });
    for (const input of [null, 'x', [], 3])
      expect(validateEvent(input)).toEqual(validate(eventRecordSchema, input));
  });
});
