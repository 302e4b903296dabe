/**
 * The fit's binning: quantile cut points per feature, and every value's bin, stored twice (column by
 * column for the partition, four to a word row by row for the histograms: see gbdt-fit.ts).
 */

/** Rows used to place the quantile cut points: a strided sample is as good and sorts much faster. */
const QUANTILE_SAMPLE = 20_000;

/** Quantile cut points per feature from the distinct values (at most bins - 1 cuts). */
export function cutPoints(x: Float32Array, rows: number, nF: number, bins: number): Float32Array[] {
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

/**
 * Bins every value: bin = number of cuts strictly below it (x <= cut[b] goes to bin ≤ b). Into
 * `binned` column by column, and into `quads` row by row, four features to a Uint32 (feature 4q + k
 * in byte k of word q). A branch-free bisection over each feature's cuts padded with +∞ to the same
 * 2^k − 1 entries: consecutive values' bins are unrelated, a search that branches mispredicts every
 * step. Row by row, x is read in order.
 */
export function binRows(
  x: Float32Array,
  rows: number,
  nF: number,
  cuts: Float32Array[],
  binned: Uint8Array,
  quads: Uint32Array,
  words: number,
): void {
  let size = 1;
  while (cuts.some((c) => c.length >= size)) size *= 2;
  const padded = new Float32Array(nF * (size - 1)).fill(Infinity);
  for (let f = 0; f < nF; f++) padded.set(cuts[f]!, f * (size - 1));
  const counts = Int32Array.from(cuts, (c) => c.length);
  for (let r = 0; r < rows; r++) {
    let word = 0;
    for (let f = 0; f < nF; f++) {
      const v = x[r * nF + f]!;
      const first = f * (size - 1) - 1;
      let b = 0;
      for (let step = size >> 1; step > 0; step >>= 1) b += step * +(padded[first + b + step]! < v);
      // NaN is below no cut, but (being <= none either) belongs past the last one.
      if (v !== v) b = counts[f]!;
      binned[f * rows + r] = b;
      word |= b << (8 * (f & 3));
      if ((f & 3) === 3 || f === nF - 1) {
        quads[r * words + (f >> 2)] = word;
        word = 0;
      }
    }
  }
}
