/**
 * Logistic regression on standardised features, fitted by Newton's method (IRLS) with an L2 ridge.
 * Attributions are exact: w_f · z_f per feature, plus the intercept as bias.
 */

import type { RankerConfig } from '../config';

export interface LinearModel {
  features: number;
  mean: Float64Array;
  scale: Float64Array;
  weights: Float64Array;
  intercept: number;
}

/** Solves A x = b for symmetric positive definite A (n × n, row-major) by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}

export function trainLinear(x: Float32Array, y: Float32Array, nF: number, config: RankerConfig): LinearModel {
  const rows = y.length;
  const mean = new Float64Array(nF);
  const scale = new Float64Array(nF);
  for (let r = 0; r < rows; r++) for (let f = 0; f < nF; f++) mean[f]! += x[r * nF + f]!;
  for (let f = 0; f < nF; f++) mean[f]! /= Math.max(1, rows);
  for (let r = 0; r < rows; r++) for (let f = 0; f < nF; f++) scale[f]! += (x[r * nF + f]! - mean[f]!) ** 2;
  for (let f = 0; f < nF; f++) scale[f] = Math.sqrt(scale[f]! / Math.max(1, rows)) || 1;
  // Parameters: nF weights then the intercept.
  const n = nF + 1;
  const w = new Float64Array(n);
  const z = new Float64Array(n);
  z[nF] = 1;
  for (let it = 0; it < config.linearIterations; it++) {
    const hess = new Float64Array(n * n);
    const grad = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      let s = w[nF]!;
      for (let f = 0; f < nF; f++) {
        z[f] = (x[r * nF + f]! - mean[f]!) / scale[f]!;
        s += w[f]! * z[f]!;
      }
      const p = 1 / (1 + Math.exp(-s));
      const g = p - y[r]!;
      const h = Math.max(1e-6, p * (1 - p));
      for (let i = 0; i < n; i++) {
        grad[i]! += g * z[i]!;
        const hz = h * z[i]!;
        for (let j = 0; j <= i; j++) hess[i * n + j]! += hz * z[j]!;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) hess[j * n + i] = hess[i * n + j]!;
      if (i < nF) {
        hess[i * n + i]! += config.linearL2;
        grad[i]! += config.linearL2 * w[i]!;
      }
    }
    const step = solveSpd(hess, grad, n);
    let change = 0;
    for (let i = 0; i < n; i++) {
      w[i]! -= step[i]!;
      change = Math.max(change, Math.abs(step[i]!));
    }
    if (change < 1e-6) break;
  }
  return { features: nF, mean, scale, weights: w.slice(0, nF), intercept: w[nF]! };
}

export function predictLinear(m: LinearModel, x: ArrayLike<number>, offset = 0): number {
  let s = m.intercept;
  for (let f = 0; f < m.features; f++) s += (m.weights[f]! * (x[offset + f]! - m.mean[f]!)) / m.scale[f]!;
  return s;
}

/** out[f] = w_f · z_f; returns the intercept (bias + Σ out = predictLinear). */
export function contributionsLinear(
  m: LinearModel,
  x: ArrayLike<number>,
  out: Float64Array,
  offset = 0,
): number {
  for (let f = 0; f < m.features; f++) out[f] = (m.weights[f]! * (x[offset + f]! - m.mean[f]!)) / m.scale[f]!;
  return m.intercept;
}
