/** The ranker artifact: a GBDT or linear model over the pair features, with exact attributions. */

import type { RankerConfig } from '../config';
import { decodeArtifact, encodeArtifact } from '../codec';
import {
  averageGbdt,
  contributionsGbdt,
  predictGbdt,
  predictGbdtRows,
  siblingsAdjacent,
  type GbdtModel,
} from './gbdt';
import { trainGbdt } from './gbdt-fit';
import { lambdaRankGradients } from './lambdarank';
import { contributionsLinear, predictLinear, trainLinear, type LinearModel } from './linear';
import { F, FEATURE_COUNT, FEATURES } from './features';

export interface RankerModel {
  kind: 'gbdt' | 'linear';
  /** Feature names in column order: a model only applies to rows of the same layout. */
  featureNames: string[];
  gbdt?: GbdtModel;
  linear?: LinearModel;
  /** Rows and positives it was trained on (0 for the built-in prior). */
  trainedRows: number;
  trainedPositives: number;
}

const KIND = 'ranker';
const VERSION = 1;

/**
 * Training rows: features row-major, labels, and the query (customer) of each row, rows of one query
 * contiguous.
 */
export interface TrainingSet {
  x: Float32Array;
  y: Float32Array;
  query: Int32Array;
}

/**
 * The model used when there is nothing to learn from (no outcomes in the training horizon): a fixed
 * blend of the strategies' own scores, still linear so its attributions are exact.
 */
export function priorModel(): RankerModel {
  const weights = new Float64Array(FEATURE_COUNT);
  weights[F.repurchase_score] = 2; // own purchases dominate re-order businesses
  weights[F.collaborative] = 1;
  weights[F.together] = 1;
  weights[F.after] = 0.5;
  weights[F.attribute_similarity] = 0.3;
  weights[F.category_share] = 0.3;
  weights[F.category_rank_score] = 0.2;
  weights[F.trend] = 0.05;
  weights[F.buyers_30d] = 0.002; // ~100 buyers ≈ a fifth of one recent own purchase
  return {
    kind: 'linear',
    featureNames: FEATURES.map((f) => f.name),
    linear: {
      features: FEATURE_COUNT,
      mean: new Float64Array(FEATURE_COUNT),
      scale: new Float64Array(FEATURE_COUNT).fill(1),
      weights,
      intercept: 0,
    },
    trainedRows: 0,
    trainedPositives: 0,
  };
}

export function trainRankerModel(data: TrainingSet, config: RankerConfig): RankerModel {
  let positives = 0;
  for (const v of data.y) positives += v;
  if (positives === 0 || positives === data.y.length) return priorModel();
  const base = {
    featureNames: FEATURES.map((f) => f.name),
    trainedRows: data.y.length,
    trainedPositives: positives,
  };
  if (config.kind === 'linear')
    return { ...base, kind: 'linear', linear: trainLinear(data.x, data.y, FEATURE_COUNT, config) };
  const gradients =
    config.objective === 'lambdarank'
      ? lambdaRankGradients(data.query, data.y, config.truncation)
      : undefined;
  const bags = Math.max(1, config.bags);
  const models = Array.from({ length: bags }, (_, b) =>
    trainGbdt(data.x, data.y, FEATURE_COUNT, { ...config, seed: config.seed + b }, gradients),
  );
  return { ...base, kind: 'gbdt', gbdt: averageGbdt(models) };
}

/** Raw score (log-odds) of the row at `offset`. */
export function rankerScore(m: RankerModel, x: ArrayLike<number>, offset = 0): number {
  if (m.gbdt) return predictGbdt(m.gbdt, x, offset);
  if (m.linear) return predictLinear(m.linear, x, offset);
  throw new Error('ranker model has no parameters');
}

/** Raw scores of rows 0..n−1 of `x` into `out` (as rankerScore row by row, bit for bit). */
export function rankerScores(m: RankerModel, x: ArrayLike<number>, n: number, out: Float64Array): void {
  if (m.gbdt) return predictGbdtRows(m.gbdt, x, n, out);
  if (!m.linear) throw new Error('ranker model has no parameters');
  for (let i = 0; i < n; i++) out[i] = predictLinear(m.linear, x, i * m.linear.features);
}

/** Per-feature contributions to the raw score into `out`; returns the bias (bias + Σ out = score). */
export function rankerContributions(
  m: RankerModel,
  x: ArrayLike<number>,
  out: Float64Array,
  offset = 0,
): number {
  if (m.gbdt) return contributionsGbdt(m.gbdt, x, out, offset);
  if (m.linear) return contributionsLinear(m.linear, x, out, offset);
  throw new Error('ranker model has no parameters');
}

export function checkLayout(m: RankerModel): void {
  const names = FEATURES.map((f) => f.name);
  if (m.featureNames.length !== names.length || m.featureNames.some((n, i) => n !== names[i])) {
    throw new Error('ranker model was trained on a different feature layout; rebuild it');
  }
  if (m.gbdt && !siblingsAdjacent(m.gbdt))
    throw new Error('ranker trees have an unexpected node layout; rebuild it');
}

const TRAINING_KIND = 'training-set';
export const encodeTrainingSet = (t: TrainingSet): Uint8Array => encodeArtifact(TRAINING_KIND, 1, t);
export const decodeTrainingSet = (b: Uint8Array): TrainingSet =>
  decodeArtifact<TrainingSet>(TRAINING_KIND, 1, b);

export const encodeRanker = (m: RankerModel): Uint8Array => encodeArtifact(KIND, VERSION, m);
export const decodeRanker = (b: Uint8Array): RankerModel => {
  const m = decodeArtifact<RankerModel>(KIND, VERSION, b);
  checkLayout(m);
  return m;
};
