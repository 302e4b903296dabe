/**
 * A small gradient-boosted decision tree model: prediction and per-feature attributions. Attributions
 * follow each prediction's path (Saabas): the change of the node value at a split is credited to the
 * split's feature, so bias + Σ attributions = the raw score exactly. The fit is in gbdt-fit.ts.
 */

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
 * Raw scores of rows 0..n−1 of `x` (nF values each) into `out`, tree by tree: the same sums in the
 * same order as predictGbdt, so bit-identical, but each tree's walks of the n rows are independent,
 * which the CPU overlaps, where one row's walk is a chain of dependent loads. Every walk takes the
 * model's full depth (a leaf steps to itself), so the loop has no data-dependent exit to mispredict.
 */
export function predictGbdtRows(m: GbdtModel, x: ArrayLike<number>, n: number, out: Float64Array): void {
  const { roots, value } = m;
  const { feature, threshold, left, step, depth } = walkTablesOf(m);
  out.fill(m.base, 0, n);
  for (let t = 0; t < roots.length; t++) {
    const root = roots[t]!;
    const nF = m.features;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o0 = i * nF;
      const o1 = o0 + nF;
      const o2 = o1 + nF;
      const o3 = o2 + nF;
      let a = root;
      let b = root;
      let c = root;
      let e = root;
      for (let d = 0; d < depth; d++) {
        a = left[a]! + step[a]! * +!(x[o0 + feature[a]!]! <= threshold[a]!);
        b = left[b]! + step[b]! * +!(x[o1 + feature[b]!]! <= threshold[b]!);
        c = left[c]! + step[c]! * +!(x[o2 + feature[c]!]! <= threshold[c]!);
        e = left[e]! + step[e]! * +!(x[o3 + feature[e]!]! <= threshold[e]!);
      }
      out[i]! += value[a]!;
      out[i + 1]! += value[b]!;
      out[i + 2]! += value[c]!;
      out[i + 3]! += value[e]!;
    }
    for (; i < n; i++) {
      const offset = i * nF;
      let node = root;
      for (let d = 0; d < depth; d++)
        node = left[node]! + step[node]! * +!(x[offset + feature[node]!]! <= threshold[node]!);
      out[i]! += value[node]!;
    }
  }
}

/** predictGbdtRows's view of a model: leaves point to themselves (step 0, any valid feature). */
interface WalkTables {
  feature: Int32Array;
  threshold: Float32Array;
  left: Int32Array;
  step: Int32Array;
  depth: number;
}

const walkTables = new WeakMap<GbdtModel, WalkTables>();

function walkTablesOf(m: GbdtModel): WalkTables {
  let tables = walkTables.get(m);
  if (tables) return tables;
  const nodes = m.feature.length;
  const feature = new Int32Array(nodes);
  const left = new Int32Array(nodes);
  const step = new Int32Array(nodes);
  for (let node = 0; node < nodes; node++) {
    const leaf = m.feature[node]! < 0;
    feature[node] = leaf ? 0 : m.feature[node]!;
    left[node] = leaf ? node : m.left[node]!;
    step[node] = leaf ? 0 : 1;
  }
  const depthOf = (node: number): number =>
    m.feature[node]! < 0 ? 0 : 1 + Math.max(depthOf(m.left[node]!), depthOf(m.right[node]!));
  let depth = 0;
  for (let t = 0; t < m.roots.length; t++) depth = Math.max(depth, depthOf(m.roots[t]!));
  tables = { feature, threshold: m.threshold, left, step, depth };
  walkTables.set(m, tables);
  return tables;
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
