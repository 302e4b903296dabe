/**
 * Item graphs from co-occurrence: collaborative (same customers), bought together (same order) and
 * bought after (A then B within a window). Each row of a graph is one product's top neighbours.
 * Counting is row-wise with a dense scratch row (sparse × sparse products), so cost is Σ|basket|²
 * with no hash map of pairs.
 */

import { DAY_MS, type EngineConfig } from '../config';
import { decodeArtifact, encodeArtifact } from '../codec';
import { csrTopK, type Csr } from '../csr';
import { topKIndices } from '../topk';
import { EventType, indexByCustomer, type Snapshot } from '../snapshot';
import { customerIncidence, orderIncidence, type Incidence } from './baskets';

export interface ItemGraphs {
  /** Item-to-item cosine over customers, shrunk for rare pairs. */
  collaborative: Csr;
  /** Collaborative: customers who bought both (for explanations), parallel to `collaborative.vals`. */
  collaborativeSupport: Float32Array;
  /** Bought in the same order: weighted Jaccard over orders (pairs below min support dropped). */
  together: Csr;
  /** Orders containing both, parallel to `together.vals`. */
  togetherSupport: Float32Array;
  /** Bought after: customers who bought B for the first time within the window after A, normalised. */
  after: Csr;
  afterSupport: Float32Array;
}

const KIND = 'item-graphs';
const VERSION = 1;

/**
 * How a pair is scored from its dot product and count: cosine (dot / (norm_a·norm_b), shrunk by
 * count / (count + shrinkage)) or weighted Jaccard (dot / (norm_a + norm_b − dot), count ≥ minCount).
 * A plain switch, not a callback: this runs once per co-occurring pair.
 */
interface PairScore {
  kind: 'cosine' | 'jaccard';
  norm: Float64Array;
  shrinkage: number;
  minCount: number;
}

/**
 * Row-wise co-occurrence: for each product a, Σ w_ra·w_rb and the count over rows r ∋ a, for all b;
 * each row scored and cut to its top k.
 *
 * The (dot, count) matrix and the score are symmetric, so each unordered pair is accumulated and
 * scored once, from its smaller product a (only the entries after a in each row, which needs rows
 * sorted by product). Row a's candidates are its upper part (b > a, just computed) plus its lower part
 * (b < a), which earlier rows offered into a bounded heap per row that keeps the best k of them. Only
 * those can reach the row's top k, so nothing else of the triangle is stored: the heaps cost
 * nP·k·20 bytes (~3 MB for the collaborative graph on Online Retail). Storing the whole upper
 * triangle instead (16 bytes a pair, 4 M pairs there, ×2 with its transpose) and transposing it
 * cost more than the halved accumulation saved.
 * The output is bit-identical to accumulating every row in full: a pair's dot sums the same terms
 * (w_ra·w_rb is exact in float64 and commutative) over the same rows in the same ascending order; the
 * score commutes (norm_a·norm_b, norm_a + norm_b); and the heaps and topKIndices order by (score
 * descending, column ascending), a total order, so the order candidates arrive in does not matter.
 */
function cooccurrence(
  inc: Incidence,
  nP: number,
  maxRowSize: number,
  k: number,
  pair: PairScore,
): { graph: Csr; support: Float32Array } {
  const { norm, shrinkage, minCount } = pair;
  const cosine = pair.kind === 'cosine';
  const { itemOffsets, itemRows, itemWeights } = inc;
  const nRows = inc.offsets.length - 1;
  // Rows sorted by product (orderIncidence keeps event order): rebuilt from the product → rows
  // transpose, which visits products in ascending order. at[j] is where entry j landed in its row.
  const rowOffsets = inc.offsets;
  const rowItems = new Int32Array(inc.items.length);
  const rowWeights = new Float32Array(inc.items.length);
  const at = new Int32Array(itemRows.length);
  const fill = rowOffsets.slice(0, nRows);
  for (let a = 0; a < nP; a++) {
    for (let j = itemOffsets[a]!; j < itemOffsets[a + 1]!; j++) {
      const x = fill[itemRows[j]!]!++;
      rowItems[x] = a;
      rowWeights[x] = itemWeights[j]!;
      at[j] = x;
    }
  }

  // Lower parts: row b's heap is heap*[b·cap, b·cap + heapSize[b]), root = worst kept. cap is the
  // number topKIndices keeps (k truncated, at most the nP − 1 a row can have).
  const cap = Math.min(nP, Math.max(0, Math.trunc(k)));
  const heapCol = new Int32Array(nP * cap);
  const heapScore = new Float64Array(nP * cap);
  const heapCnt = new Float64Array(nP * cap);
  const heapSize = new Int32Array(nP);
  // Entry x is worse than entry y: lower score, or equal score and larger column (as topKIndices).
  const worse = (x: number, y: number) =>
    heapScore[x]! < heapScore[y]! || (heapScore[x] === heapScore[y] && heapCol[x]! > heapCol[y]!);
  const swap = (x: number, y: number) => {
    const c = heapCol[x]!;
    const s = heapScore[x]!;
    const n = heapCnt[x]!;
    heapCol[x] = heapCol[y]!;
    heapScore[x] = heapScore[y]!;
    heapCnt[x] = heapCnt[y]!;
    heapCol[y] = c;
    heapScore[y] = s;
    heapCnt[y] = n;
  };
  /** Offers (a, s, count) to row b's lower part. */
  const offer = (b: number, a: number, s: number, count: number) => {
    const base = b * cap;
    const size = heapSize[b]!;
    if (size < cap) {
      let i = size;
      heapSize[b] = size + 1;
      heapCol[base + i] = a;
      heapScore[base + i] = s;
      heapCnt[base + i] = count;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(base + i, base + p)) break;
        swap(base + i, base + p);
        i = p;
      }
      return;
    }
    if (size === 0) return; // cap 0
    const root = heapScore[base]!;
    if (s < root || (s === root && a > heapCol[base]!)) return;
    heapCol[base] = a;
    heapScore[base] = s;
    heapCnt[base] = count;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      let m = i;
      if (l < size && worse(base + l, base + m)) m = l;
      if (l + 1 < size && worse(base + l + 1, base + m)) m = l + 1;
      if (m === i) break;
      swap(base + i, base + m);
      i = m;
    }
  };

  const acc = new Float64Array(nP);
  const cnt = new Float64Array(nP);
  const touched = new Int32Array(nP);
  const rowScore = new Float64Array(nP);
  const rowCol = new Int32Array(nP);
  const rowCnt = new Float64Array(nP);
  const offsets = new Int32Array(nP + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const support: number[] = [];
  for (let a = 0; a < nP; a++) {
    // Upper part: b > a.
    let nTouched = 0;
    for (let j = itemOffsets[a]!; j < itemOffsets[a + 1]!; j++) {
      const r = itemRows[j]!;
      const hi = rowOffsets[r + 1]!;
      if (hi - rowOffsets[r]! > maxRowSize) continue;
      const wa = itemWeights[j]!;
      for (let x = at[j]! + 1; x < hi; x++) {
        const b = rowItems[x]!;
        if (cnt[b] === 0) touched[nTouched++] = b;
        acc[b]! += wa * rowWeights[x]!;
        cnt[b]!++;
      }
    }
    // Candidates: the lower part's best k (complete: every earlier row has offered), then the upper part.
    let n = 0;
    for (let i = a * cap; i < a * cap + heapSize[a]!; i++, n++) {
      rowCol[n] = heapCol[i]!;
      rowScore[n] = heapScore[i]!;
      rowCnt[n] = heapCnt[i]!;
    }
    for (let i = 0; i < nTouched; i++) {
      const b = touched[i]!;
      const dot = acc[b]!;
      const count = cnt[b]!;
      acc[b] = 0;
      cnt[b] = 0;
      let s = 0;
      if (count >= minCount) {
        if (cosine) {
          const denom = norm[a]! * norm[b]!;
          s = denom > 0 ? (dot / denom) * (count / (count + shrinkage)) : 0;
        } else {
          s = dot / (norm[a]! + norm[b]! - dot);
        }
      }
      if (s > 0) {
        rowCol[n] = b;
        rowScore[n] = s;
        rowCnt[n++] = count;
        offer(b, a, s, count);
      }
    }
    for (const i of topKIndices(rowScore, rowCol, n, k)) {
      cols.push(rowCol[i]!);
      vals.push(rowScore[i]!);
      support.push(rowCnt[i]!);
    }
    offsets[a + 1] = cols.length;
  }
  return {
    graph: { offsets, cols: Int32Array.from(cols), vals: Float32Array.from(vals) },
    support: Float32Array.from(support),
  };
}

/** Σ w² per product over rows no larger than maxRowSize. */
function squaredNorms(inc: Incidence, nP: number, maxRowSize: number): Float64Array {
  const n2 = new Float64Array(nP);
  for (let a = 0; a < nP; a++) {
    for (let j = inc.itemOffsets[a]!; j < inc.itemOffsets[a + 1]!; j++) {
      const r = inc.itemRows[j]!;
      if (inc.offsets[r + 1]! - inc.offsets[r]! > maxRowSize) continue;
      n2[a]! += inc.itemWeights[j]! ** 2;
    }
  }
  return n2;
}

/** Collaborative graph: cosine of recency-weighted customer vectors × count/(count + shrinkage). */
export function buildCollaborativeGraph(
  s: Snapshot,
  config: EngineConfig,
): { graph: Csr; support: Float32Array } {
  const nP = s.products.ids.length;
  const { neighbours, shrinkage, maxItemsPerCustomer } = config.collaborative;
  const inc = customerIncidence(s, config.halfLifeDays.graph);
  const n2 = squaredNorms(inc, nP, maxItemsPerCustomer);
  const norm = n2.map(Math.sqrt);
  return cooccurrence(inc, nP, maxItemsPerCustomer, neighbours, {
    kind: 'cosine',
    norm,
    shrinkage,
    minCount: 1,
  });
}

/** Bought together: weighted Jaccard over orders, pairs seen in fewer than minSupport orders dropped. */
export function buildTogetherGraph(s: Snapshot, config: EngineConfig): { graph: Csr; support: Float32Array } {
  const nP = s.products.ids.length;
  const { minSupport, neighbours, maxOrderSize } = config.complementary;
  const inc = orderIncidence(s, config.halfLifeDays.graph);
  const mass = new Float64Array(nP);
  for (let a = 0; a < nP; a++) {
    for (let j = inc.itemOffsets[a]!; j < inc.itemOffsets[a + 1]!; j++) {
      const r = inc.itemRows[j]!;
      if (inc.offsets[r + 1]! - inc.offsets[r]! <= maxOrderSize) mass[a]! += inc.itemWeights[j]!;
    }
  }
  return cooccurrence(inc, nP, maxOrderSize, neighbours, {
    kind: 'jaccard',
    norm: mass,
    shrinkage: 0,
    minCount: minSupport,
  });
}

/**
 * Bought after: for each customer, each product B bought for the first time is linked from every
 * product A the customer bought in the window before (not in the same order). A pair counts once per
 * customer; the score is count / √(buyers(A)·buyers(B)) over customers, pairs below minSupport dropped.
 */
export function buildSequenceGraph(s: Snapshot, config: EngineConfig): { graph: Csr; support: Float32Array } {
  const nP = s.products.ids.length;
  const nC = s.customers.ids.length;
  const { minSupport, neighbours, sequenceWindowDays, maxOrderSize } = config.complementary;
  const window = sequenceWindowDays * DAY_MS;
  const { product, type, ts, order } = s.events;
  const idx = indexByCustomer(s.events, nC);
  const buyers = new Float64Array(nP);
  const boughtBy = new Int32Array(nP).fill(-1);
  let pairA = new Int32Array(1 << 16);
  let pairB = new Int32Array(1 << 16);
  let nPairs = 0;
  const emit = (a: number, b: number) => {
    if (nPairs === pairA.length) {
      const grow = (x: Int32Array) => {
        const y = new Int32Array(x.length * 2);
        y.set(x);
        return y;
      };
      pairA = grow(pairA);
      pairB = grow(pairB);
    }
    pairA[nPairs] = a;
    pairB[nPairs] = b;
    nPairs++;
  };
  const recent = new Map<number, number>();
  const occasion: number[] = [];
  const fresh: number[] = [];
  for (let c = 0; c < nC; c++) {
    recent.clear();
    let k = idx.offsets[c]!;
    const end = idx.offsets[c + 1]!;
    while (k < end) {
      // One occasion: consecutive purchase events with the same order (or timestamp when no order).
      const e0 = idx.rows[k]!;
      if (type[e0] !== EventType.purchase) {
        k++;
        continue;
      }
      const o = order[e0]!;
      const t = ts[e0]!;
      occasion.length = 0;
      fresh.length = 0;
      while (k < end) {
        const e = idx.rows[k]!;
        if (type[e] !== EventType.purchase) {
          k++;
          continue;
        }
        if (order[e] !== o || (o === -1 && ts[e] !== t)) break;
        const p = product[e]!;
        if (boughtBy[p] !== c) {
          boughtBy[p] = c;
          fresh.push(p);
          buyers[p]!++;
        }
        occasion.push(p);
        k++;
      }
      for (const [a, ta] of recent) if (ta < t - window) recent.delete(a);
      if (occasion.length <= maxOrderSize && recent.size <= maxOrderSize) {
        for (const b of fresh) for (const [a, ta] of recent) if (a !== b && ta < t) emit(a, b);
      }
      for (const p of occasion) recent.set(p, t);
    }
  }
  // Rows by A: counting sort of the pairs, then count B per row.
  const rowStart = new Int32Array(nP + 1);
  for (let i = 0; i < nPairs; i++) rowStart[pairA[i]! + 1]!++;
  for (let a = 0; a < nP; a++) rowStart[a + 1]! += rowStart[a]!;
  const fill = rowStart.slice(0, nP);
  const sortedB = new Int32Array(nPairs);
  for (let i = 0; i < nPairs; i++) sortedB[fill[pairA[i]!]!++] = pairB[i]!;
  const cnt = new Float64Array(nP);
  const touched: number[] = [];
  const { aux, ...graph } = csrTopK(nP, neighbours, (a, push) => {
    touched.length = 0;
    for (let i = rowStart[a]!; i < rowStart[a + 1]!; i++) {
      const b = sortedB[i]!;
      if (cnt[b] === 0) touched.push(b);
      cnt[b]!++;
    }
    for (const b of touched) {
      if (cnt[b]! >= minSupport) push(b, cnt[b]! / Math.sqrt(buyers[a]! * buyers[b]!), cnt[b]);
      cnt[b] = 0;
    }
  });
  return { graph, support: aux };
}

export function buildItemGraphs(s: Snapshot, config: EngineConfig): ItemGraphs {
  const collaborative = buildCollaborativeGraph(s, config);
  const together = buildTogetherGraph(s, config);
  const after = buildSequenceGraph(s, config);
  return {
    collaborative: collaborative.graph,
    collaborativeSupport: collaborative.support,
    together: together.graph,
    togetherSupport: together.support,
    after: after.graph,
    afterSupport: after.support,
  };
}

export const encodeItemGraphs = (g: ItemGraphs): Uint8Array => encodeArtifact(KIND, VERSION, g);
export const decodeItemGraphs = (b: Uint8Array): ItemGraphs => decodeArtifact<ItemGraphs>(KIND, VERSION, b);
