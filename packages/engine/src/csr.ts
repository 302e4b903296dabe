import { topKIndicesInto } from './topk';

/** Compressed sparse rows: row r holds cols/vals[offsets[r]..offsets[r+1]), each column at most once. */
export interface Csr {
  offsets: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
}

export function emptyCsr(rows: number): Csr {
  return { offsets: new Int32Array(rows + 1), cols: new Int32Array(0), vals: new Float32Array(0) };
}

/** Number of rows. */
export function csrRows(m: Csr): number {
  return m.offsets.length - 1;
}

/**
 * Builds a CSR from per-row (col, val, aux) lists, keeping each row's `k` largest values (ties: lower
 * col first), sorted by value descending. `rowEntries(r, push)` pushes the entries of row r; `aux` is an
 * optional companion value per entry (e.g. the support count), returned parallel to `vals`.
 */
export function csrTopK(
  rows: number,
  k: number,
  rowEntries: (r: number, push: (col: number, val: number, aux?: number) => void) => void,
): Csr & { aux: Float32Array } {
  const offsets = new Int32Array(rows + 1);
  let cols = new Int32Array(Math.max(16, rows * Math.min(k, 8)));
  let vals = new Float32Array(cols.length);
  let aux = new Float32Array(cols.length);
  let bufC = new Int32Array(1024);
  let bufV = new Float64Array(1024);
  let bufA = new Float64Array(1024);
  // Each row's selection, in buffers kept from row to row.
  let heap = new Int32Array(Math.max(0, Math.min(k, 1024)));
  let order = new Int32Array(heap.length);
  let n = 0;
  const push = (c: number, v: number, a = 0) => {
    if (n === bufC.length) {
      const grownC = new Int32Array(n * 2);
      grownC.set(bufC);
      bufC = grownC;
      const grownV = new Float64Array(n * 2);
      grownV.set(bufV);
      bufV = grownV;
      const grownA = new Float64Array(n * 2);
      grownA.set(bufA);
      bufA = grownA;
    }
    bufC[n] = c;
    bufV[n] = v;
    bufA[n] = a;
    n++;
  };
  let total = 0;
  for (let r = 0; r < rows; r++) {
    n = 0;
    rowEntries(r, push);
    if (heap.length < Math.min(k, n)) {
      heap = new Int32Array(bufC.length);
      order = new Int32Array(bufC.length);
    }
    const kept = topKIndicesInto(bufV, bufC, n, k, heap, order);
    if (total + kept > cols.length) {
      const size = Math.max(cols.length * 2, total + kept);
      const c2 = new Int32Array(size);
      c2.set(cols);
      cols = c2;
      const v2 = new Float32Array(size);
      v2.set(vals);
      vals = v2;
      const a2 = new Float32Array(size);
      a2.set(aux);
      aux = a2;
    }
    for (let o = 0; o < kept; o++) {
      const j = order[o]!;
      cols[total] = bufC[j]!;
      vals[total] = bufV[j]!;
      aux[total] = bufA[j]!;
      total++;
    }
    offsets[r + 1] = total;
  }
  return { offsets, cols: cols.slice(0, total), vals: vals.slice(0, total), aux: aux.slice(0, total) };
}

/** Value at (r, c), or 0. Rows are short (top-k), so a scan is enough. */
export function csrGet(m: Csr, r: number, c: number): number {
  for (let i = m.offsets[r]!; i < m.offsets[r + 1]!; i++) if (m.cols[i] === c) return m.vals[i]!;
  return 0;
}
