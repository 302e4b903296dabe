import { DEFAULT_ENGINE_CONFIG } from '../config';
import { csrGet } from '../csr';
import { buildSnapshot } from '../snapshot';
import { buildAttributeGraph } from './attributes';

describe('buildAttributeGraph', () => {
  const s = buildSnapshot({
    products: [
      { product_id: 'mug-red', name: 'Red spotty mug', category: 'MUG', price: 2.5 },
      { product_id: 'mug-blue', name: 'Blue spotty mug', category: 'MUG', price: 2.6 },
      { product_id: 'mug-big', name: 'Large plain mug', category: 'MUG', price: 9 },
      { product_id: 'candle', name: 'Red candle', category: 'CANDLE', price: 2.5 },
      {
        product_id: 'new-mug',
        name: 'Spotty mug',
        category: 'MUG',
        price: 2.4,
        attributes: { colour: 'red' },
      },
    ],
    events: [],
  });
  const g = buildAttributeGraph(s, DEFAULT_ENGINE_CONFIG).similar;

  it('ranks same category, shared name words and price band highest', () => {
    const row = Array.from(g.cols.subarray(g.offsets[0], g.offsets[1])).map((p) => s.products.ids[p]);
    expect(row[0]).toBe('new-mug');
    expect(row.indexOf('mug-blue')).toBeLessThan(row.indexOf('mug-big'));
    expect(csrGet(g, 0, 1)).toBeGreaterThan(csrGet(g, 0, 3));
  });

  it('is symmetric cosine in (0, 1]', () => {
    expect(csrGet(g, 0, 1)).toBeCloseTo(csrGet(g, 1, 0), 6);
    for (const v of g.vals) expect(v).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('links a product without any sales (cold start)', () => {
    expect(csrGet(g, 4, 0)).toBeGreaterThan(0);
  });
});
