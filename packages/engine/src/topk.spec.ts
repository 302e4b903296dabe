import { topKIndices, topKIndicesInto } from './topk';
import { prng } from './random';

describe('topKIndicesInto', () => {
  it('selects and orders as topKIndices does: ties, NaN, fractional and huge k, buffers reused', () => {
    const next = prng(5);
    const heap = new Int32Array(512);
    const out = new Int32Array(512);
    for (let round = 0; round < 3000; round++) {
      const n = Math.floor(next() * 400);
      const values = Float64Array.from({ length: n }, () =>
        next() < 0.02 ? NaN : next() < 0.4 ? Math.ceil(next() * 5) : next(),
      );
      // Keys mostly distinct, some repeated.
      const keys = Int32Array.from({ length: n }, () => Math.floor(next() * (next() < 0.2 ? 20 : 100000)));
      const k = [0, -1, 0.5, 1, 2.7, 30, 50, 1e9, Infinity, NaN][round % 10]!;
      const count = topKIndicesInto(values, keys, n, k, heap, out);
      expect(Array.from(out.subarray(0, count))).toEqual(Array.from(topKIndices(values, keys, n, k)));
    }
  });
});
