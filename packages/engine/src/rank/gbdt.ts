/**
 * A small gradient-boosted decision tree model (logistic loss), histogram-based: features are binned
 * once into ≤ 255 quantile bins, trees grow level by level with one histogram pass over the rows per
 * level. Deterministic: no randomness except the seeded row sampling. Per-feature attributions follow
 * each prediction's path (Saabas): the change of the node value at a split is credited to the split's
 * feature, so bias + Σ attributions = the raw score exactly.
 */

import type { RankerConfig } from '../config';

export interface GbdtModel {
  features: number;
  /** Raw score before any tree (log-odds of the base rate). */
  base: number;
  /** Root node of each tree in the node arrays. */
  roots: Int32Array;
  /** Split feature (-1: leaf). */
  feature: Int32Array;
  /** Go left when x <= threshold. */
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  /** Node value (already scaled by the learning rate): leaves' outputs, and internal nodes' means. */
  value: Float32Array;
}

/** Seeded PRNG (mulberry32): same seed, same sequence, on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows used to place the quantile cut points: a strided sample is as good and sorts much faster. */
const QUANTILE_SAMPLE = 20_000;

/** Quantile cut points per feature from the distinct values (at most bins - 1 cuts). */
function cutPoints(x: Float32Array, rows: number, nF: number, bins: number): Float32Array[] {
  const cuts: Float32Array[] = [];
  const stride = Math.max(1, Math.floor(rows / QUANTILE_SAMPLE));
  const n = Math.ceil(rows / stride);
  const col = new Float32Array(n);
  for (let f = 0; f < nF; f++) {
    for (let i = 0; i < n; i++) col[i] = x[i * stride * nF + f]!;
    const sorted = col.slice().sort();
    const out: number[] = [];
    for (let b = 1; b < bins; b++) {
      const v = sorted[Math.min(n - 1, Math.floor((b * n) / bins))]!;
      if (out.length === 0 || v > out[out.length - 1]!) out.push(v);
    }
    // A cut at the maximum separates nothing.
    if (out.length > 0 && out[out.length - 1]! >= sorted[n - 1]!) out.pop();
    cuts.push(Float32Array.from(out));
  }
  return cuts;
}

/** Bin index = number of cuts strictly below the value (x <= cut[b] goes to bin ≤ b). */
function binOf(cuts: Float32Array, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= cuts[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Fits the model. `x` is row-major (rows × nF), `y` in {0, 1}.
 * `gradients` lets the caller replace the logistic gradients (e.g. a ranking objective): it fills
 * g and h from the current raw scores.
 */
export function trainGbdt(
  x: Float32Array,
  y: Float32Array,
  nF: number,
  config: RankerConfig,
  gradients?: (score: Float64Array, g: Float64Array, h: Float64Array) => void,
): GbdtModel {
  const rows = y.length;
  const bins = Math.min(255, Math.max(2, config.bins));
  const cuts = cutPoints(x, rows, nF, bins);
  // Bins column by column: partitioning a node reads one feature of its (ascending) rows, which is a
  // forward scan of one column here rather than a cache miss per row in a row-major layout.
  const binned = new Uint8Array(rows * nF);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < nF; f++) binned[f * rows + r] = binOf(cuts[f]!, x[r * nF + f]!);
  }
  // Histogram cell of (row, feature) within a node's histogram, precomputed for the hot loop.
  const cell = new Uint16Array(rows * nF);
  for (let r = 0; r < rows; r++)
    for (let f = 0; f < nF; f++) cell[r * nF + f] = 2 * (f * bins + binned[f * rows + r]!);

  let mean = 0;
  for (let r = 0; r < rows; r++) mean += y[r]!;
  mean = Math.min(1 - 1e-6, Math.max(1e-6, mean / Math.max(1, rows)));
  const base = gradients ? 0 : Math.log(mean / (1 - mean));
  const score = new Float64Array(rows).fill(base);
  const g = new Float64Array(rows);
  const h = new Float64Array(rows);
  const rand = prng(config.seed);
  // Sampled rows, partitioned by node: rows of slot s are idx[start[s]..end[s]), ascending.
  const idx = new Int32Array(rows);
  const tmp = new Int32Array(rows);

  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const nodeBin: number[] = [];
  const roots: number[] = [];
  const { depth, learningRate: lr, l2, minLeafWeight } = config;
  const maxNodesAtLevel = 1 << depth;
  // Gradient and hessian of a cell side by side (one cache line for both: the hot loop's writes).
  const histSize = 2 * nF * bins;
  // Histograms of the current level and of the level above (sibling = parent − child).
  let hist = new Float64Array(maxNodesAtLevel * histSize);
  let parent = new Float64Array(maxNodesAtLevel * histSize);
  const newNode = () => {
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    value.push(0);
    nodeBin.push(0);
    return feature.length - 1;
  };

  for (let t = 0; t < config.trees; t++) {
    if (gradients) gradients(score, g, h);
    else {
      for (let r = 0; r < rows; r++) {
        const p = sigmoid(score[r]!);
        g[r] = p - y[r]!;
        h[r] = Math.max(1e-6, p * (1 - p));
      }
    }
    let sampled = 0;
    for (let r = 0; r < rows; r++) if (config.rowSample >= 1 || rand() < config.rowSample) idx[sampled++] = r;
    const root = newNode();
    roots.push(root);
    let level = [root];
    let start = [0];
    let end = [sampled];
    // parentOf[slot] = parent's slot in the level above (-1 at the root).
    let parentOf = [-1];
    let sumG = [0];
    let sumH = [0];
    for (let i = 0; i < sampled; i++) {
      sumG[0]! += g[idx[i]!]!;
      sumH[0]! += h[idx[i]!]!;
    }
    value[root] = (-sumG[0]! / (sumH[0]! + l2)) * lr;
    for (let d = 0; d < depth && level.length > 0; d++) {
      const nodes = level.length;
      // Build the smaller child of each sibling pair from its rows; the other = parent − sibling.
      for (let s = 0; s < nodes; s++) {
        const sib = s ^ 1;
        const n = end[s]! - start[s]!;
        const nSib = end[sib] === undefined ? Infinity : end[sib] - start[sib]!;
        if (parentOf[s]! >= 0 && (n > nSib || (n === nSib && s > sib))) continue;
        const off = s * histSize;
        hist.fill(0, off, off + histSize);
        for (let i = start[s]!; i < end[s]!; i++) {
          const r = idx[i]!;
          const gr = g[r]!;
          const hr = h[r]!;
          const rb = r * nF;
          for (let f = 0; f < nF; f++) {
            const at = off + cell[rb + f]!;
            hist[at]! += gr;
            hist[at + 1]! += hr;
          }
        }
      }
      for (let s = 0; s < nodes; s++) {
        const sib = s ^ 1;
        const n = end[s]! - start[s]!;
        const nSib = end[sib] === undefined ? Infinity : end[sib] - start[sib]!;
        if (!(parentOf[s]! >= 0 && (n > nSib || (n === nSib && s > sib)))) continue;
        const par = parentOf[s]! * histSize;
        const sb = sib * histSize;
        const own = s * histSize;
        for (let i = 0; i < histSize; i++) hist[own + i] = parent[par + i]! - hist[sb + i]!;
      }
      const nextLevel: number[] = [];
      const nextStart: number[] = [];
      const nextEnd: number[] = [];
      const nextParent: number[] = [];
      const nextG: number[] = [];
      const nextH: number[] = [];
      for (let s = 0; s < nodes; s++) {
        const G = sumG[s]!;
        const H = sumH[s]!;
        if (H < 2 * minLeafWeight) continue;
        const parentGain = (G * G) / (H + l2);
        let bestGain = 1e-9;
        let bestF = -1;
        let bestB = 0;
        let bestGL = 0;
        let bestHL = 0;
        for (let f = 0; f < nF; f++) {
          const nb = cuts[f]!.length;
          let gl = 0;
          let hl = 0;
          const off = s * histSize + 2 * f * bins;
          for (let b = 0; b < nb; b++) {
            gl += hist[off + 2 * b]!;
            hl += hist[off + 2 * b + 1]!;
            const gr = G - gl;
            const hr = H - hl;
            if (hl < minLeafWeight || hr < minLeafWeight) continue;
            const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentGain;
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestB = b;
              bestGL = gl;
              bestHL = hl;
            }
          }
        }
        if (bestF < 0) continue;
        const id = level[s]!;
        const l = newNode();
        const rr = newNode();
        feature[id] = bestF;
        threshold[id] = cuts[bestF]![bestB]!;
        nodeBin[id] = bestB;
        left[id] = l;
        right[id] = rr;
        value[l] = (-bestGL / (bestHL + l2)) * lr;
        value[rr] = (-(G - bestGL) / (H - bestHL + l2)) * lr;
        // Stable partition of the node's rows: left ones first, both halves stay ascending.
        const lo = start[s]!;
        const hi = end[s]!;
        const column = bestF * rows;
        let nl = lo;
        let nr = 0;
        for (let i = lo; i < hi; i++) {
          const r = idx[i]!;
          if (binned[column + r]! <= bestB) idx[nl++] = r;
          else tmp[nr++] = r;
        }
        idx.set(tmp.subarray(0, nr), nl);
        nextLevel.push(l, rr);
        nextStart.push(lo, nl);
        nextEnd.push(nl, hi);
        nextParent.push(s, s);
        nextG.push(bestGL, G - bestGL);
        nextH.push(bestHL, H - bestHL);
      }
      [hist, parent] = [parent, hist];
      level = nextLevel;
      start = nextStart;
      end = nextEnd;
      parentOf = nextParent;
      sumG = nextG;
      sumH = nextH;
    }
    // Update scores with the new tree (all rows, sampled or not).
    for (let r = 0; r < rows; r++) {
      let n = root;
      while (feature[n]! >= 0) n = binned[feature[n]! * rows + r]! <= nodeBin[n]! ? left[n]! : right[n]!;
      score[r]! += value[n]!;
    }
  }
  return {
    features: nF,
    base,
    roots: Int32Array.from(roots),
    feature: Int32Array.from(feature),
    threshold: Float32Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float32Array.from(value),
  };
}

/**
 * Whether every split's right child directly follows its left one (trees are grown that way, and
 * averaging keeps it): prediction relies on it to pick a child without a branch.
 */
export function siblingsAdjacent(m: GbdtModel): boolean {
  for (let n = 0; n < m.feature.length; n++)
    if (m.feature[n]! >= 0 && m.right[n] !== m.left[n]! + 1) return false;
  return true;
}

/** Raw score (log-odds) of one row (`x` at `offset`, nF values). */
export function predictGbdt(m: GbdtModel, x: ArrayLike<number>, offset = 0): number {
  const { roots, feature, threshold, left, value } = m;
  let s = m.base;
  for (let t = 0; t < roots.length; t++) {
    let n = roots[t]!;
    let f = feature[n]!;
    while (f >= 0) {
      // right = left + 1 (see siblingsAdjacent): a select instead of a hard-to-predict branch.
      n = left[n]! + +!(x[offset + f]! <= threshold[n]!);
      f = feature[n]!;
    }
    s += value[n]!;
  }
  return s;
}

/**
 * Saabas path attributions: out[f] = Σ over trees of the value changes at splits on f. Returns the
 * bias (base + Σ root values); bias + Σ out = predictGbdt.
 */
export function contributionsGbdt(m: GbdtModel, x: ArrayLike<number>, out: Float64Array, offset = 0): number {
  out.fill(0);
  let bias = m.base;
  for (let t = 0; t < m.roots.length; t++) {
    let n = m.roots[t]!;
    bias += m.value[n]!;
    while (m.feature[n]! >= 0) {
      const f = m.feature[n]!;
      const next = m.left[n]! + +!(x[offset + f]! <= m.threshold[n]!);
      out[f]! += m.value[next]! - m.value[n]!;
      n = next;
    }
  }
  return bias;
}

/**
 * The average of several models as one model: all trees, values divided by the count. Predictions
 * and path attributions of the result are exactly the averages of the parts'.
 */
export function averageGbdt(models: GbdtModel[]): GbdtModel {
  if (models.length === 1) return models[0]!;
  const k = models.length;
  const cat = <T extends Int32Array | Float32Array>(pick: (m: GbdtModel) => T, make: (n: number) => T): T => {
    const out = make(models.reduce((n, m) => n + pick(m).length, 0));
    let at = 0;
    for (const m of models) {
      out.set(pick(m), at);
      at += pick(m).length;
    }
    return out;
  };
  // Node ids shift by the number of nodes of the models before.
  const shifts: number[] = [];
  let nodes = 0;
  for (const m of models) {
    shifts.push(nodes);
    nodes += m.feature.length;
  }
  const shift = (arr: (m: GbdtModel) => Int32Array, keepNegative: boolean) => {
    const parts = models.map((m, i) =>
      Int32Array.from(arr(m), (v) => (keepNegative && v < 0 ? v : v + shifts[i]!)),
    );
    const res = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      res.set(p, at);
      at += p.length;
    }
    return res;
  };
  const value = cat(
    (m) => m.value,
    (n) => new Float32Array(n),
  );
  for (let i = 0; i < value.length; i++) value[i]! /= k;
  return {
    features: models[0]!.features,
    base: models.reduce((s, m) => s + m.base, 0) / k,
    roots: shift((m) => m.roots, false),
    feature: cat(
      (m) => m.feature,
      (n) => new Int32Array(n),
    ),
    threshold: cat(
      (m) => m.threshold,
      (n) => new Float32Array(n),
    ),
    left: shift((m) => m.left, true),
    right: shift((m) => m.right, true),
    value,
  };
}
