import { attributionBars, listChanges, strategyLabel } from './attribution';

describe('attributionBars', () => {
  it('orders reasons by share and prefers the rendered text', () => {
    const bars = attributionBars({
      reasons: [
        { feature: 'popularity', value: 3, attribution: 0.2 },
        { feature: 'repurchase_frequency', value: 17, attribution: 0.57, text: 'bought this 17 times' },
        { feature: 'category_share', value: 0.4, attribution: 0.23 },
      ],
    });
    expect(bars).toEqual([
      { feature: 'repurchase_frequency', label: 'bought this 17 times', share: 0.57 },
      { feature: 'category_share', label: 'category_share', share: 0.23 },
      { feature: 'popularity', label: 'popularity', share: 0.2 },
    ]);
  });

  it('names strategies in words', () => {
    expect(strategyLabel('affinity_similar')).toBe('affinity similar');
  });
});

describe('listChanges', () => {
  it('finds products that entered and how far the others moved', () => {
    const { entered, moved } = listChanges(
      [
        { product_id: 'a', rank: 1 },
        { product_id: 'b', rank: 2 },
        { product_id: 'c', rank: 3 },
      ],
      [
        { product_id: 'new', rank: 1 },
        { product_id: 'a', rank: 2 },
        { product_id: 'c', rank: 3 },
      ],
    );
    expect([...entered]).toEqual(['new']);
    expect([...moved]).toEqual([['a', -1]]);
  });
});
