import {
  buildSnapshot,
  EventType,
  filterByCustomers,
  indexByCustomer,
  sliceSnapshot,
  SnapshotBuilder,
} from './snapshot';
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

describe('SnapshotBuilder', () => {
  const events = Array.from({ length: 3000 }, (_, i) => ({
    customer_id: `c${(i * 7) % 23}`,
    product_id: `p${(i * 11) % 31}`,
    type: (['view', 'cart_add', 'purchase'] as const)[i % 3]!,
    timestamp: ((i * 13) % 97) * 1000,
    order_id: i % 3 === 2 ? `o${i % 17}` : undefined,
    quantity: i % 5 ? i % 4 : undefined,
  }));
  const catalogue = {
    products: [{ product_id: 'p30', name: 'late' }, { product_id: 'p-unsold' }],
    customers: [{ customer_id: 'c22', segment: 'vip' }],
  };

  it('streams events into the same snapshot as plain rows, sorting them when they arrive out of order', () => {
    const named = (snap: ReturnType<typeof buildSnapshot>) =>
      Array.from(snap.events.ts, (ts, k) => [
        snap.customers.ids[snap.events.customer[k]!],
        snap.products.ids[snap.events.product[k]!],
        snap.events.type[k],
        ts,
        snap.orders[snap.events.order[k]!],
        snap.events.quantity[k],
      ]);
    // Stable: equal times keep their arrival order.
    const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
    for (const input of [events, sorted]) {
      const b = new SnapshotBuilder();
      for (const e of input) b.add(e.customer_id, e.product_id, e.type, e.timestamp, e.order_id, e.quantity);
      expect(b.size).toBe(events.length);
      const s = b.build(catalogue);
      expect(encodeArtifact('s', 1, s)).toEqual(
        encodeArtifact('s', 1, buildSnapshot({ ...catalogue, events: input })),
      );
      expect(named(s)).toEqual(named(buildSnapshot({ ...catalogue, events: sorted })));
    }
  });

  it('numbers the catalogue first, then ids seen only in events as they first appear', () => {
    const b = new SnapshotBuilder();
    b.add('x', 'p-new', 'view', 2, null, null);
    b.add('c22', 'p30', 'purchase', 1, 'o', 2);
    const s = b.build(catalogue);
    expect(s.customers.ids).toEqual(['c22', 'x']);
    expect(s.customers.segmentNames).toEqual(['vip', 'default']);
    expect(s.products.ids).toEqual(['p30', 'p-unsold', 'p-new']);
    expect(Array.from(s.events.customer)).toEqual([0, 1]);
    expect(Array.from(s.events.quantity)).toEqual([2, 1]);
    expect(s.asOf).toBe(2);
    expect(() => new SnapshotBuilder().add('c', 'p', 'bogus', 1)).toThrow(/unknown event type bogus/);
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
