/**
 * Fits a GBDT (the model: gbdt.ts) with logistic loss or a caller's gradients, histogram-based:
 * features are binned once into ≤ 255 quantile bins (gbdt-bins.ts), trees grow level by level with
 * one histogram pass over the rows per level. Deterministic: no randomness except the seeded row
 * sampling.
 */

import type { RankerConfig } from '../config';
import { MULBERRY_STEP, mulberryDraw } from '../random';
import type { GbdtModel } from './gbdt';
import { binRows, cutPoints } from './gbdt-bins';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

// The hot loops below are small functions of their own: V8 then optimises each as soon as it is hot,
// with its own type feedback. Inside one big function, every loop not yet run when the function was
// compiled deoptimises it on first use: a dozen times in a fit, about 0.5 s of the first fit (the
// one a rebuild runs).

/**
 * The tree's row sample: rows drawn (rand() < rowSample) into idx, the others into `unsampled`, both
 * ascending; returns the sample size. `rng[0]` is prng's state, drawn inline: a uint32 above 2^30 is
 * no small integer to V8, so every store to a closure's variable would allocate.
 */
function sampleRows(rowSample: number, rng: Uint32Array, idx: Int32Array, unsampled: Int32Array): number {
  const rows = idx.length;
  let sampled = 0;
  if (rowSample >= 1) {
    for (let r = 0; r < rows; r++) idx[r] = r;
    return rows;
  }
  let a = rng[0]!;
  // Branch-free: whether a row is drawn is a coin flip, a branch on it mispredicts half the time.
  for (let r = 0; r < rows; r++) {
    a = (a + MULBERRY_STEP) >>> 0;
    idx[sampled] = r;
    unsampled[r - sampled] = r;
    sampled += +(mulberryDraw(a) < rowSample);
  }
  rng[0] = a;
  return sampled;
}

/** Logistic gradient and hessian of the sampled rows (no other row's are read), into gh. */
function logisticGradients(
  idx: Int32Array,
  sampled: number,
  score: Float64Array,
  y: Float32Array,
  gh: Float64Array,
): void {
  for (let i = 0; i < sampled; i++) {
    const r = idx[i]!;
    const p = sigmoid(score[r]!);
    gh[2 * r] = p - y[r]!;
    gh[2 * r + 1] = Math.max(1e-6, p * (1 - p));
  }
}

/**
 * Adds the gradients of rows idx[from..to) into the node histogram at `off`. `quads` holds each row's
 * bins four to a Uint32: the loop is bound by V8's work per typed-array access (checks, base
 * reloads), so one read for four features pays, and a row is half the bytes of 16-bit cells, which
 * the deeper levels' scattered rows fetch from memory. The sums still run row by row: every cell
 * adds its rows in the same (ascending) order as before.
 */
function accumulate(
  hist: Float64Array,
  off: number,
  idx: Int32Array,
  from: number,
  to: number,
  gh: Float64Array,
  quads: Uint32Array,
  words: number,
  bins: number,
): void {
  const step = 2 * bins;
  for (let i = from; i < to; i++) {
    const r = idx[i]!;
    const gr = gh[2 * r]!;
    const hr = gh[2 * r + 1]!;
    const rb = r * words;
    let at = off;
    for (let q = 0; q < words; q++) {
      const w = quads[rb + q]!;
      // 2 * bin of each byte (2 * 255 = 510 at most): the cell's offset within its feature.
      const a0 = at + ((w << 1) & 510);
      const a1 = at + step + ((w >>> 7) & 510);
      const a2 = at + 2 * step + ((w >>> 15) & 510);
      const a3 = at + 3 * step + ((w >>> 23) & 510);
      hist[a0]! += gr;
      hist[a0 + 1]! += hr;
      hist[a1]! += gr;
      hist[a1 + 1]! += hr;
      hist[a2]! += gr;
      hist[a2 + 1]! += hr;
      hist[a3]! += gr;
      hist[a3 + 1]! += hr;
      at += 4 * step;
    }
  }
}

/**
 * Stable partition of idx[lo..hi) on column[r] <= bin: left rows first, both halves stay ascending.
 * Returns the end of the left half. Branch-free (each row is written to both sides, only the side it
 * belongs to advances): which side a row goes is unpredictable.
 */
function partition(
  idx: Int32Array,
  tmp: Int32Array,
  lo: number,
  hi: number,
  binned: Uint8Array,
  column: number,
  bin: number,
): number {
  let nl = lo;
  let nr = 0;
  for (let i = lo; i < hi; i++) {
    const r = idx[i]!;
    const goesLeft = +(binned[column + r]! <= bin);
    // nl <= i: idx[nl] was read already.
    idx[nl] = r;
    tmp[nr] = r;
    nl += goesLeft;
    nr += 1 - goesLeft;
  }
  idx.set(tmp.subarray(0, nr), nl);
  return nl;
}

/**
 * Adds the tree's leaf value to the score of rows[0..count), which walk the tree: each takes exactly
 * `depth` steps (a leaf steps to itself: bin ≤ 255 always goes "left", and its left is itself), and a
 * step picks the right child as left + 1 (grown adjacent): no branch on the data to mispredict.
 * Node j of the tree splits column walkColumn[j] (an offset into binned) at walkBin[j].
 */
function walkTree(
  rows: Int32Array,
  count: number,
  binned: Uint8Array,
  walkColumn: Int32Array,
  walkBin: Int32Array,
  walkLeft: Int32Array,
  walkValue: Float64Array,
  depth: number,
  score: Float64Array,
): void {
  for (let k = 0; k < count; k++) {
    const r = rows[k]!;
    let j = 0;
    for (let d = 0; d < depth; d++) j = walkLeft[j]! + +(binned[walkColumn[j]! + r]! > walkBin[j]!);
    score[r]! += walkValue[j]!;
  }
}

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
  // And row by row, four to a word, for the histogram loop, which reads every feature of a row.
  const words = (nF + 3) >> 2;
  const quads = new Uint32Array(rows * words);
  binRows(x, rows, nF, cuts, binned, quads, words);

  let mean = 0;
  for (let r = 0; r < rows; r++) mean += y[r]!;
  mean = Math.min(1 - 1e-6, Math.max(1e-6, mean / Math.max(1, rows)));
  const base = gradients ? 0 : Math.log(mean / (1 - mean));
  const score = new Float64Array(rows).fill(base);
  // The caller's gradients land in g and h (full length); the histogram loop reads sampled rows'
  // from gh, gradient and hessian side by side (one cache line for both).
  const g = new Float64Array(gradients ? rows : 0);
  const h = new Float64Array(gradients ? rows : 0);
  const gh = new Float64Array(2 * rows);
  const rng = Uint32Array.of(config.seed >>> 0);
  // Sampled rows, partitioned by node: rows of slot s are idx[start[s]..end[s]), ascending.
  const idx = new Int32Array(rows);
  const tmp = new Int32Array(rows);
  // The rows left out of the tree's sample, ascending.
  const unsampled = new Int32Array(rows);

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
  // A node's histogram has room for the feature count rounded up to 4: the padding features (bin 0
  // in `quads`) collect sums nobody reads, simpler than (and as fast as) a loop for the last word.
  const nodeSize = 2 * 4 * words * bins;
  // Histograms of the current level and of the level above (sibling = parent − child).
  let hist = new Float64Array(maxNodesAtLevel * nodeSize);
  let parent = new Float64Array(maxNodesAtLevel * nodeSize);
  // The tree being grown, for the score update: its leaves with their sampled rows
  // idx[leafFrom..leafTo), and its nodes in walkTree's form.
  const maxTreeNodes = 2 * maxNodesAtLevel - 1;
  const leafNode = new Int32Array(maxTreeNodes);
  const leafFrom = new Int32Array(maxTreeNodes);
  const leafTo = new Int32Array(maxTreeNodes);
  const walkColumn = new Int32Array(maxTreeNodes);
  const walkBin = new Int32Array(maxTreeNodes);
  const walkLeft = new Int32Array(maxTreeNodes);
  const walkValue = new Float64Array(maxTreeNodes);
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
    const sampled = sampleRows(config.rowSample, rng, idx, unsampled);
    if (gradients) {
      gradients(score, g, h);
      for (let i = 0; i < sampled; i++) {
        const r = idx[i]!;
        gh[2 * r] = g[r]!;
        gh[2 * r + 1] = h[r]!;
      }
    } else logisticGradients(idx, sampled, score, y, gh);
    const root = newNode();
    roots.push(root);
    let leaves = 0;
    let level = [root];
    let start = [0];
    let end = [sampled];
    // parentOf[slot] = parent's slot in the level above (-1 at the root).
    let parentOf = [-1];
    let sumG = [0];
    let sumH = [0];
    for (let i = 0; i < sampled; i++) {
      sumG[0]! += gh[2 * idx[i]!]!;
      sumH[0]! += gh[2 * idx[i]! + 1]!;
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
        const off = s * nodeSize;
        hist.fill(0, off, off + nodeSize);
        accumulate(hist, off, idx, start[s]!, end[s]!, gh, quads, words, bins);
      }
      for (let s = 0; s < nodes; s++) {
        const sib = s ^ 1;
        const n = end[s]! - start[s]!;
        const nSib = end[sib] === undefined ? Infinity : end[sib] - start[sib]!;
        if (!(parentOf[s]! >= 0 && (n > nSib || (n === nSib && s > sib)))) continue;
        const par = parentOf[s]! * nodeSize;
        const sb = sib * nodeSize;
        const own = s * nodeSize;
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
        let bestF = -1;
        let bestB = 0;
        let bestGL = 0;
        let bestHL = 0;
        if (H >= 2 * minLeafWeight) {
          const parentGain = (G * G) / (H + l2);
          let bestGain = 1e-9;
          for (let f = 0; f < nF; f++) {
            const nb = cuts[f]!.length;
            let gl = 0;
            let hl = 0;
            const off = s * nodeSize + 2 * f * bins;
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
        }
        if (bestF < 0) {
          leafNode[leaves] = level[s]!;
          leafFrom[leaves] = start[s]!;
          leafTo[leaves++] = end[s]!;
          continue;
        }
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
        const lo = start[s]!;
        const hi = end[s]!;
        const nl = partition(idx, tmp, lo, hi, binned, bestF * rows, bestB);
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
    // The last level's nodes are leaves too.
    for (let s = 0; s < level.length; s++) {
      leafNode[leaves] = level[s]!;
      leafFrom[leaves] = start[s]!;
      leafTo[leaves++] = end[s]!;
    }
    // Update scores with the new tree (all rows, sampled or not). The partition has put each
    // sampled row in its leaf already; the others walk the tree.
    for (let k = 0; k < leaves; k++) {
      const v = value[leafNode[k]!]!;
      for (let i = leafFrom[k]!; i < leafTo[k]!; i++) score[idx[i]!]! += v;
    }
    const treeNodes = feature.length - root;
    for (let j = 0; j < treeNodes; j++) {
      const n = root + j;
      const leaf = feature[n]! < 0;
      walkColumn[j] = leaf ? 0 : feature[n]! * rows;
      walkBin[j] = leaf ? 255 : nodeBin[n]!;
      walkLeft[j] = leaf ? j : left[n]! - root;
      walkValue[j] = value[n]!;
    }
    walkTree(unsampled, rows - sampled, binned, walkColumn, walkBin, walkLeft, walkValue, depth, score);
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
