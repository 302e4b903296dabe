import { resolveConfig } from './config';
import { buildFeatureArtifacts } from './features/artifacts';
import { boughtTogether, similarProducts } from './product-lists';
import { syntheticShop } from './__fixtures__/synthetic';

const snapshot = syntheticShop();
const artifacts = buildFeatureArtifacts(snapshot, resolveConfig());

describe('product lists', () => {
  it('similar and bought-together lists are available products with reasons summing to 1', () => {
    const p = snapshot.products.ids.indexOf('p5');
    for (const list of [
      similarProducts(snapshot, artifacts, p, 10),
      boughtTogether(snapshot, artifacts, p, 10),
    ]) {
      expect(list.length).toBeGreaterThan(0);
      for (const item of list) {
        expect(item.product).not.toBe(p);
        expect(snapshot.products.available[item.product]).toBe(1);
        expect(item.reasons.reduce((s, r) => s + r.attribution, 0)).toBeCloseTo(1, 9);
      }
      const scores = list.map((i) => i.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    }
  });
});
