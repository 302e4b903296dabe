import { buildAll, recommendFor } from './build';
import { resolveConfig } from './config';
import { decodeAttributeGraph, encodeAttributeGraph } from './features/attributes';
import { decodeCustomerAffinities, encodeCustomerAffinities } from './features/affinities';
import { decodeItemGraphs, encodeItemGraphs } from './features/graphs';
import { decodeItemStats, encodeItemStats } from './features/item-stats';
import { decodeCustomerNeighbours, encodeCustomerNeighbours } from './features/neighbours';
import { rankShard } from './rank/rank-candidates';
import { decodeRanker, encodeRanker } from './rank/ranker';
import { filterByCustomers } from './snapshot';
import { STRATEGIES } from './strategies/types';
import { syntheticShop } from './__fixtures__/synthetic';

const config = resolveConfig({ ranker: { trees: 20 } });
const snapshot = syntheticShop();
const built = buildAll(snapshot, config);

describe('buildAll + recommendFor', () => {
  const rec = recommendFor(built, 'c5', { limit: 12 });

  it('learns a model from the previous horizon', () => {
    expect(built.model.kind).toBe('gbdt');
    expect(built.model.trainedPositives).toBeGreaterThan(0);
  });

  it("puts the customer's staples on top", () => {
    const staples = new Set(['p5', 'p6', 'p35'].map((id) => snapshot.products.ids.indexOf(id)));
    const top3 = rec.items.slice(0, 3).map((i) => i.product);
    expect(top3.filter((p) => staples.has(p)).length).toBeGreaterThanOrEqual(2);
    expect(rec.items[0]!.strategy).toBe('repurchase');
  });

  it('explains every item with attributions summing to 1', () => {
    for (const item of rec.items) {
      const sum = item.reasons.reduce((s, r) => s + r.attribution, 0);
      expect(sum).toBeCloseTo(1, 9);
      expect(item.reasons.length).toBeGreaterThan(0);
      for (const r of item.reasons) {
        expect(r.attribution).toBeGreaterThan(0);
        expect(r.text.length).toBeGreaterThan(3);
      }
      expect(STRATEGIES).toContain(item.strategy);
    }
  });

  it('never shows unavailable products or duplicates, and honours exclusions', () => {
    const unavailable = snapshot.products.ids.indexOf('p3');
    for (let c = 0; c < 20; c++) {
      const items = recommendFor(built, c, { limit: 30 }).items.map((i) => i.product);
      expect(items).not.toContain(unavailable);
      expect(new Set(items).size).toBe(items.length);
    }
    const first = rec.items[0]!.product;
    const excluded = recommendFor(built, 'c5', { limit: 12, exclude: new Set([first]) });
    expect(excluded.items.map((i) => i.product)).not.toContain(first);
  });

  it('caps a category when asked', () => {
    const capped = recommendFor(built, 'c5', { limit: 8, maxCategoryShare: 0.25 });
    const perCategory = new Map<number, number>();
    for (const i of capped.items) {
      const cat = snapshot.products.category[i.product]!;
      perCategory.set(cat, (perCategory.get(cat) ?? 0) + 1);
    }
    for (const n of perCategory.values()) expect(n).toBeLessThanOrEqual(2);
  });

  it('answers an unknown customer with popular products', () => {
    const cold = recommendFor(built, 'nobody', { limit: 5 });
    expect(cold.items.length).toBe(5);
  });
});

describe('staged build', () => {
  it('a shard over its own events and decoded artifacts gives the in-process answer', () => {
    const artifacts = {
      itemStats: decodeItemStats(encodeItemStats(built.artifacts.itemStats)),
      graphs: decodeItemGraphs(encodeItemGraphs(built.artifacts.graphs)),
      attributes: decodeAttributeGraph(encodeAttributeGraph(built.artifacts.attributes)),
      affinities: decodeCustomerAffinities(encodeCustomerAffinities(built.artifacts.affinities)),
      neighbours: decodeCustomerNeighbours(encodeCustomerNeighbours(built.artifacts.neighbours)),
    };
    const model = decodeRanker(encodeRanker(built.model));
    const shard = [3, 10, 11];
    const staged = rankShard(filterByCustomers(snapshot, shard), artifacts, model, shard, config, {
      limit: 10,
    });
    const direct = shard.map((c) => recommendFor(built, c, { limit: 10 }));
    expect(staged.map((r) => r.items.map((i) => [i.productId, i.score.toFixed(6), i.strategy]))).toEqual(
      direct.map((r) => r.items.map((i) => [i.productId, i.score.toFixed(6), i.strategy])),
    );
  });

  it('is deterministic', () => {
    const again = buildAll(snapshot, config);
    expect(Array.from(again.model.gbdt!.value)).toEqual(Array.from(built.model.gbdt!.value));
  });
});
