import { resolveConfig } from '../config';
import { prng } from '../random';
import { averageGbdt, contributionsGbdt, predictGbdt, predictGbdtRows } from './gbdt';
import { trainGbdt } from './gbdt-fit';

/** y = 1 when x0 > 0.5 and x1 > 0.5 (an interaction), x2 is noise. */
function problem(rows: number, seed: number) {
  const rand = prng(seed);
  const x = new Float32Array(rows * 3);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < 3; f++) x[r * 3 + f] = rand();
    y[r] = x[r * 3]! > 0.5 && x[r * 3 + 1]! > 0.5 ? 1 : 0;
  }
  return { x, y };
}

const config = resolveConfig({ ranker: { trees: 30, depth: 3, learningRate: 0.3, minLeafWeight: 1 } }).ranker;

describe('GBDT', () => {
  const { x, y } = problem(2000, 1);
  const model = trainGbdt(x, y, 3, config);

  it('learns a separable interaction', () => {
    const test = problem(500, 2);
    let correct = 0;
    for (let r = 0; r < 500; r++) if (predictGbdt(model, test.x, r * 3) > 0 === test.y[r]! > 0) correct++;
    expect(correct / 500).toBeGreaterThan(0.97);
  });

  it('is deterministic for the same data and seed', () => {
    const again = trainGbdt(x, y, 3, config);
    expect(Array.from(again.value)).toEqual(Array.from(model.value));
    expect(Array.from(again.threshold)).toEqual(Array.from(model.threshold));
  });

  it('attributions plus bias equal the score, and the noise feature gets little', () => {
    const out = new Float64Array(3);
    let noise = 0;
    let signal = 0;
    for (let r = 0; r < 100; r++) {
      const bias = contributionsGbdt(model, x, out, r * 3);
      expect(bias + out[0]! + out[1]! + out[2]!).toBeCloseTo(predictGbdt(model, x, r * 3), 4);
      noise += Math.abs(out[2]!);
      signal += Math.abs(out[0]!) + Math.abs(out[1]!);
    }
    expect(noise).toBeLessThan(0.1 * signal);
  });

  it('scores many rows at once exactly as one at a time (NaN and ties to thresholds included)', () => {
    // Depth-4 trees that stop early where leaves get too small: walks of different lengths.
    const uneven = trainGbdt(x, y, 3, { ...config, depth: 4, minLeafWeight: 40 });
    const rows = 2003; // not a multiple of the four rows walked together
    const test = problem(rows, 3).x;
    for (let i = 0; i < 30; i++) test[i * 7] = NaN;
    for (let i = 0; i < 30; i++) test[300 + i * 5] = uneven.threshold[i % uneven.threshold.length]!;
    for (const m of [model, uneven]) {
      const out = new Float64Array(rows);
      predictGbdtRows(m, test, rows, out);
      for (let r = 0; r < rows; r++) expect(Object.is(out[r], predictGbdt(m, test, r * 3))).toBe(true);
    }
  });

  it('with row sampling stays deterministic per seed', () => {
    const sampled = { ...config, rowSample: 0.5 };
    expect(Array.from(trainGbdt(x, y, 3, sampled).value)).toEqual(
      Array.from(trainGbdt(x, y, 3, sampled).value),
    );
  });
});

describe('averaged GBDTs', () => {
  it('predict and attribute exactly the mean of their parts', () => {
    const { x, y } = problem(500, 4);
    const a = trainGbdt(x, y, 3, { ...config, rowSample: 0.7, seed: 1 });
    const b = trainGbdt(x, y, 3, { ...config, rowSample: 0.7, seed: 2 });
    const avg = averageGbdt([a, b]);
    const out = new Float64Array(3);
    for (let r = 0; r < 20; r++) {
      const mean = (predictGbdt(a, x, r * 3) + predictGbdt(b, x, r * 3)) / 2;
      expect(predictGbdt(avg, x, r * 3)).toBeCloseTo(mean, 4);
      const bias = contributionsGbdt(avg, x, out, r * 3);
      expect(bias + out[0]! + out[1]! + out[2]!).toBeCloseTo(mean, 4);
    }
  });
});
