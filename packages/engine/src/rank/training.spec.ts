import { resolveConfig } from '../config';
import { decodeTrainingSet, encodeTrainingSet } from './ranker';
import {
  buildTrainingSet,
  buildTrainingWindow,
  mergeTrainingSets,
  QueryBudget,
  trainingCut,
} from './training';
import { syntheticShop } from '../__fixtures__/synthetic';

const config = resolveConfig({ ranker: { trees: 20 } });
const snapshot = syntheticShop();

describe('ranker training windows', () => {
  it('windows built as separate stages and merged equal the in-process training set', () => {
    const whole = buildTrainingSet(snapshot, config);
    const parts = [1, 2, 3].map((w) =>
      decodeTrainingSet(encodeTrainingSet(buildTrainingWindow(snapshot, config, w))),
    );
    const merged = mergeTrainingSets(parts);
    expect(merged.y.length).toBe(whole.y.length);
    expect(Array.from(merged.query)).toEqual(Array.from(whole.query));
    expect(Array.from(merged.x.subarray(0, 500))).toEqual(Array.from(whole.x.subarray(0, 500)));
    // Labels come from the window after each cut, never after asOf.
    expect(trainingCut(snapshot, config, 1)).toBe(snapshot.asOf - config.horizonDays * 86_400_000);
  });
});

describe('training within a row budget', () => {
  const unbudgeted = buildTrainingWindow(snapshot, config, 1);
  const queriesOf = (t: { query: Int32Array }) => new Set(t.query).size;

  it('keeps the window exactly as it is while it fits', () => {
    const fits = buildTrainingWindow(
      snapshot,
      resolveConfig({ ranker: { trees: 20, maxTrainingRows: unbudgeted.y.length } }),
      1,
    );
    expect(encodeTrainingSet(fits)).toEqual(encodeTrainingSet(unbudgeted));
  });

  it('past it, keeps whole queries of a seeded sample of buyers within the budget', () => {
    const budget = Math.floor(unbudgeted.y.length / 2);
    const tight = resolveConfig({ ranker: { trees: 20, maxTrainingRows: budget } });
    const sampled = buildTrainingWindow(snapshot, tight, 1);
    expect(sampled.y.length).toBeLessThanOrEqual(budget);
    expect(sampled.y.length).toBeGreaterThan(budget / 4);
    expect(queriesOf(sampled)).toBeLessThan(queriesOf(unbudgeted));
    // Queries numbered 0, 1, … in order, each still holding a positive.
    const positives = new Map<number, number>();
    sampled.query.forEach((q, i) => positives.set(q, (positives.get(q) ?? 0) + sampled.y[i]!));
    expect([...positives.keys()]).toEqual([...Array(positives.size).keys()]);
    expect([...positives.values()].every((n) => n > 0)).toBe(true);
    // Deterministic: the same seed samples the same buyers.
    expect(encodeTrainingSet(buildTrainingWindow(snapshot, tight, 1))).toEqual(encodeTrainingSet(sampled));
  });

  it('evicts by priority, never more rows than the budget at any time', () => {
    const b = new QueryBudget(10, 1);
    const row = new Float32Array(unbudgeted.x.length / unbudgeted.y.length);
    for (let c = 0; c < 100; c++) b.add(c, [row, row, row], [1, 0, 0]);
    const t = b.trainingSet();
    expect(t.y.length).toBe(9);
    expect(b.dropped).toBe(97);
    expect(Array.from(t.query)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });
});
