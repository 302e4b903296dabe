/**
 * LambdaRank gradients (Burges 2010, "From RankNet to LambdaRank to LambdaMART"): for every
 * (bought, not bought) pair of one customer, a RankNet gradient scaled by the change in NDCG if the
 * two swapped places. Optimises the order within each customer, which is what MAP@k measures;
 * log-loss also spends capacity on "does this customer buy at all", which no list metric rewards.
 */

/** Returns a `gradients` callback for trainGbdt. Rows of one query must be contiguous. */
export function lambdaRankGradients(
  query: Int32Array,
  y: Float32Array,
  truncation = Infinity,
): (score: Float64Array, g: Float64Array, h: Float64Array) => void {
  const starts: number[] = [];
  for (let r = 0; r < query.length; r++) if (r === 0 || query[r] !== query[r - 1]) starts.push(r);
  starts.push(query.length);
  // Discounts by rank, precomputed (log2 per pair dominated the cost).
  const maxLen = Math.max(0, ...starts.slice(1).map((e, i) => e - starts[i]!));
  const table = Float64Array.from({ length: maxLen + 1 }, (_, r) => 1 / Math.log2(r + 2));
  const discount = (r: number) => table[r]!;
  const rank = new Int32Array(query.length);
  const expScore = new Float64Array(query.length);
  const order: number[] = [];
  const negatives: number[] = [];
  return (score, g, h) => {
    g.fill(0);
    h.fill(0);
    // exp(s_i - s_j) = exp(s_i) · exp(-s_j): one exp per row instead of one per pair.
    for (let r = 0; r < score.length; r++) expScore[r] = Math.exp(Math.max(-30, Math.min(30, score[r]!)));
    for (let q = 0; q + 1 < starts.length; q++) {
      const lo = starts[q]!;
      const hi = starts[q + 1]!;
      order.length = 0;
      negatives.length = 0;
      for (let r = lo; r < hi; r++) {
        order.push(r);
        if (!(y[r]! > 0)) negatives.push(r);
      }
      const positives = hi - lo - negatives.length;
      if (positives === 0 || negatives.length === 0) continue;
      order.sort((a, b) => score[b]! - score[a]! || a - b);
      for (let i = 0; i < order.length; i++) rank[order[i]!] = i;
      let ideal = 0;
      for (let i = 0; i < positives; i++) ideal += discount(i);
      for (let i = lo; i < hi; i++) {
        if (!(y[i]! > 0)) continue;
        const ri = rank[i]!;
        const di = discount(ri);
        const ei = expScore[i]!;
        let gi = 0;
        let hi2 = 0;
        for (const j of negatives) {
          const rj = rank[j]!;
          if (ri >= truncation && rj >= truncation) continue;
          const delta = Math.abs(di - discount(rj)) / ideal;
          const rho = 1 / (1 + ei / expScore[j]!);
          const lambda = rho * delta;
          const hess = rho * (1 - rho) * delta;
          gi -= lambda;
          hi2 += hess;
          g[j]! += lambda;
          h[j]! += hess;
        }
        g[i]! += gi;
        h[i]! += hi2;
      }
    }
    for (let r = 0; r < h.length; r++) if (h[r]! < 1e-9) h[r] = 1e-9;
  };
}
