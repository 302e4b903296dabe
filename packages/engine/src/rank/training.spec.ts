import { resolveConfig } from '../config';
import { decodeTrainingSet, encodeTrainingSet } from './ranker';
import { buildTrainingSet, buildTrainingWindow, mergeTrainingSets, trainingCut } from './training';
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
