import {
  customerRecordSchema,
  eventRecordSchema,
  productRecordSchema,
  unstorableText,
  validate,
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
