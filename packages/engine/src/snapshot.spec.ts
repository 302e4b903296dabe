import { buildSnapshot, EventType, filterByCustomers, indexByCustomer, sliceSnapshot } from './snapshot';
import { decodeArtifact, encodeArtifact } from './codec';
import { AS_OF, daysAgo, purchase } from './__fixtures__/tiny';

describe('buildSnapshot', () => {
  const s = buildSnapshot({
    products: [
      { product_id: 'A', name: 'Red mug', category: 'MUG', price: 2.5, attributes: { colour: 'red' } },
    ],
    customers: [{ customer_id: 'c1', segment: 'retail' }],
    events: [
      purchase('c2', 'B', 1, 'o2'),
      purchase('c1', 'A', 3, 'o1'),
      { customer_id: 'c1', product_id: 'A', type: 'return', timestamp: new Date(daysAgo(2)).toISOString() },
    ],
  });

  it('sorts events by time and codes the types', () => {
    expect(Array.from(s.events.ts)).toEqual([daysAgo(3), daysAgo(2), daysAgo(1)]);
    expect(Array.from(s.events.type)).toEqual([EventType.purchase, EventType.return, EventType.purchase]);
    expect(Array.from(s.events.order)).toEqual([1, -1, 0]);
  });

  it('creates stubs for unknown ids and keeps dictionaries', () => {
    expect(s.customers.ids).toEqual(['c1', 'c2']);
    expect(s.customers.segmentNames[s.customers.segment[1]!]).toBe('default');
    expect(s.products.ids).toEqual(['A', 'B']);
    expect(s.products.categoryNames[s.products.category[0]!]).toBe('MUG');
    expect(s.products.category[1]).toBe(-1);
    expect(Number.isNaN(s.products.price[1]!)).toBe(true);
    expect(s.products.attrTokenNames).toEqual(['colour=red']);
    expect(s.asOf).toBe(daysAgo(1));
  });

  it('slices by time and filters by customer', () => {
    const early = sliceSnapshot(s, daysAgo(2));
    expect(early.events.ts.length).toBe(1);
    expect(early.asOf).toBe(daysAgo(2));
    const c2 = filterByCustomers(s, [1]);
    expect(Array.from(c2.events.customer)).toEqual([1]);
  });

  it('groups events by customer in time order', () => {
    const idx = indexByCustomer(s.events, 2);
    expect(Array.from(idx.offsets)).toEqual([0, 2, 3]);
    expect(Array.from(idx.rows)).toEqual([0, 1, 2]);
  });
});

describe('artifact codec', () => {
  it('round-trips typed arrays, nested objects and non-finite numbers', () => {
    const value = {
      a: new Float32Array([1.5, NaN]),
      nested: { b: new Int32Array([1, -2, 3]), names: ['x', 'y'] },
      u: new Uint8Array([7]),
      f: new Float64Array([AS_OF]),
      n: Infinity,
      k: 3,
    };
    const bytes = encodeArtifact('test', 1, value);
    const back = decodeArtifact<typeof value>('test', 1, bytes);
    expect(Array.from(back.a)).toEqual([1.5, NaN]);
    expect(back.a).toBeInstanceOf(Float32Array);
    expect(Array.from(back.nested.b)).toEqual([1, -2, 3]);
    expect(back.nested.names).toEqual(['x', 'y']);
    expect(Array.from(back.u)).toEqual([7]);
    expect(back.f[0]).toBe(AS_OF);
    expect(back.n).toBe(Infinity);
    expect(back.k).toBe(3);
    expect(() => decodeArtifact('other', 1, bytes)).toThrow(/expected other/);
  });

  it('decodes from a Node Buffer that starts inside a larger allocation (a file read, a pool slab)', () => {
    const value = { a: new Int32Array([4, 5, 6]), b: new Float64Array([0.25]) };
    const encoded = encodeArtifact('test', 1, value);
    // A Buffer's `slice` is a view: the decoder must still copy each array from its own offset.
    const slab = Buffer.alloc(encoded.length + 24, 0xee);
    slab.set(encoded, 24);
    const back = decodeArtifact<typeof value>('test', 1, slab.subarray(24));
    expect(Array.from(back.a)).toEqual([4, 5, 6]);
    expect(Array.from(back.b)).toEqual([0.25]);
  });
});
