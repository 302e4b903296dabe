/**
 * Top-k selection with a bounded heap: O(n log k) instead of sorting all n entries. Order: value
 * descending, ties by key ascending (deterministic). Entries i < n are (values[i], keys[i]).
 */
export function topKIndices(
  values: ArrayLike<number>,
  keys: ArrayLike<number>,
  n: number,
  k: number,
): Int32Array {
  if (k <= 0 || n === 0) return new Int32Array(0);
  const heap = new Int32Array(Math.min(k, n));
  let size = 0;
  // a is worse than b: smaller value, or equal value and larger key. The heap root is the worst kept.
  const worse = (a: number, b: number) => {
    const va = values[a]!;
    const vb = values[b]!;
    return va < vb || (va === vb && keys[a]! > keys[b]!);
  };
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(heap[l]!, heap[m]!)) m = l;
      if (r < size && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (size < heap.length) {
      let j = size++;
      heap[j] = i;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (!worse(heap[j]!, heap[parent]!)) break;
        const t = heap[j]!;
        heap[j] = heap[parent]!;
        heap[parent] = t;
        j = parent;
      }
    } else if (worse(heap[0]!, i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  // Pop the worst repeatedly into the back: best first.
  const out = new Int32Array(size);
  for (let at = size - 1; at >= 0; at--) {
    out[at] = heap[0]!;
    heap[0] = heap[--size]!;
    siftDown(0);
  }
  return out;
}

/**
 * `topKIndices` of typed arrays into buffers the caller keeps (`heap` and `out` of at least
 * `min(k, n)` entries): the same selection and order, without two arrays per call and with reads
 * of one array type only (`csrTopK` runs it once per row: 100k rows for a 100k-product catalogue's
 * attribute graph). Returns how many indices `out` holds.
 */
export function topKIndicesInto(
  values: Float64Array,
  keys: Int32Array,
  n: number,
  k: number,
  heap: Int32Array,
  out: Int32Array,
): number {
  // As many as `topKIndices`'s heap holds (a fractional k counts its whole part; NaN none).
  const cap = Math.min(Math.trunc(k), n);
  if (!(cap > 0)) return 0;
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (size < cap) {
      let j = size++;
      heap[j] = i;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        const a = heap[j]!;
        const b = heap[parent]!;
        // a is worse than b: smaller value, or equal value and larger key. The root is the worst kept.
        if (!(values[a]! < values[b]! || (values[a] === values[b] && keys[a]! > keys[b]!))) break;
        heap[j] = b;
        heap[parent] = a;
        j = parent;
      }
    } else {
      const r = heap[0]!;
      if (values[r]! < values[i]! || (values[r] === values[i] && keys[r]! > keys[i]!)) {
        heap[0] = i;
        siftDownInto(values, keys, heap, size, 0);
      }
    }
  }
  // Pop the worst repeatedly into the back: best first.
  const count = size;
  for (let at = size - 1; at >= 0; at--) {
    out[at] = heap[0]!;
    heap[0] = heap[--size]!;
    siftDownInto(values, keys, heap, size, 0);
  }
  return count;
}

function siftDownInto(
  values: Float64Array,
  keys: Int32Array,
  heap: Int32Array,
  size: number,
  i: number,
): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < size) {
      const a = heap[l]!;
      const b = heap[m]!;
      if (values[a]! < values[b]! || (values[a] === values[b] && keys[a]! > keys[b]!)) m = l;
    }
    if (r < size) {
      const a = heap[r]!;
      const b = heap[m]!;
      if (values[a]! < values[b]! || (values[a] === values[b] && keys[a]! > keys[b]!)) m = r;
    }
    if (m === i) return;
    const t = heap[i]!;
    heap[i] = heap[m]!;
    heap[m] = t;
    i = m;
  }
}
