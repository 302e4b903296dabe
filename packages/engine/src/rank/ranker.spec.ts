import { resolveConfig } from '../config';
import { prng } from '../random';
import { lambdaRankGradients } from './lambdarank';
import { contributionsLinear, predictLinear, trainLinear } from './linear';
import { decodeRanker, encodeRanker, priorModel, rankerContributions, rankerScore } from './ranker';
import { FEATURE_COUNT } from './features';

const config = resolveConfig({ ranker: { trees: 30, depth: 3, learningRate: 0.3, minLeafWeight: 1 } }).ranker;

describe('linear model', () => {
  it('learns a linearly separable problem with exact attributions', () => {
    const rand = prng(3);
    const rows = 1000;
    const x = new Float32Array(rows * 2);
    const y = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      x[r * 2] = rand();
      x[r * 2 + 1] = rand();
      y[r] = x[r * 2]! > 0.6 ? 1 : 0;
    }
    const m = trainLinear(x, y, 2, config);
    expect(m.weights[0]!).toBeGreaterThan(5 * Math.abs(m.weights[1]!));
    let correct = 0;
    for (let r = 0; r < rows; r++) if (predictLinear(m, x, r * 2) > 0 === y[r]! > 0) correct++;
    expect(correct / rows).toBeGreaterThan(0.97);
    const out = new Float64Array(2);
    const bias = contributionsLinear(m, x, out, 0);
    expect(bias + out[0]! + out[1]!).toBeCloseTo(predictLinear(m, x, 0), 6);
  });
});

describe('LambdaRank gradients', () => {
  it('push bought items up and others down, more when misordered at the top', () => {
    const query = Int32Array.from([0, 0, 0]);
    const y = Float32Array.from([0, 0, 1]);
    const g = new Float64Array(3);
    const h = new Float64Array(3);
    lambdaRankGradients(query, y)(Float64Array.from([2, 1, 0]), g, h);
    expect(g[2]!).toBeLessThan(0); // negative gradient = raise the score
    expect(g[0]!).toBeGreaterThan(g[1]!); // the top-ranked wrong item is pushed down hardest
    expect(g[0]! + g[1]! + g[2]!).toBeCloseTo(0);
  });
});

describe('ranker artifact', () => {
  it('round-trips and keeps scores and attributions', () => {
    const m = priorModel();
    const back = decodeRanker(encodeRanker(m));
    const row = new Float32Array(FEATURE_COUNT).fill(0.5);
    expect(rankerScore(back, row)).toBeCloseTo(rankerScore(m, row));
    const out = new Float64Array(FEATURE_COUNT);
    const bias = rankerContributions(back, row, out);
    expect(bias + out.reduce((a, b) => a + b, 0)).toBeCloseTo(rankerScore(m, row));
  });

  it('refuses a model of another feature layout', () => {
    const m = { ...priorModel(), featureNames: ['a'] };
    expect(() => decodeRanker(encodeRanker(m))).toThrow(/layout/);
  });
});
