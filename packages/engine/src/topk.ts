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
