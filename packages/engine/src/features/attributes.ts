/**
 * Attribute similarity: each product is a sparse vector of weighted tokens (category, brand, price
 * band, free attributes, name words) with IDF weighting; similarity is cosine. Candidates come from
 * an inverted index over selective tokens, so cost stays near-linear in the catalogue.
 */

import type { EngineConfig } from '../config';
import { decodeArtifact, encodeArtifact } from '../codec';
import { csrTopK, type Csr } from '../csr';
import type { Snapshot } from '../snapshot';

export interface AttributeGraph {
  /** product → most similar products by attributes (vals: cosine in (0, 1]). */
  similar: Csr;
}

const KIND = 'attribute-graph';
const VERSION = 1;
/** Tokens shared by more products than this only refine scores, they don't propose candidates. */
const MAX_POSTING = 1000;
/** Name words shorter than this are noise ("OF", "IN"). */
const MIN_WORD = 3;

interface TokenVectors {
  offsets: Int32Array;
  tokens: Int32Array;
  weights: Float32Array;
  nTokens: number;
}

/** Sorted token vectors with unit norm. */
export function productTokenVectors(s: Snapshot, config: EngineConfig): TokenVectors {
  const a = config.attributes;
  const p = s.products;
  const nP = p.ids.length;
  const ids = new Map<string, number>();
  const tok = (t: string) => {
    let i = ids.get(t);
    if (i === undefined) ids.set(t, (i = ids.size));
    return i;
  };
  const perProduct: Map<number, number>[] = [];
  for (let i = 0; i < nP; i++) {
    const m = new Map<number, number>();
    const add = (t: string, w: number) => {
      if (w > 0) m.set(tok(t), Math.max(m.get(tok(t)) ?? 0, w));
    };
    if (p.category[i]! >= 0) add(`c:${p.category[i]!}`, a.categoryWeight);
    if (p.brand[i]! >= 0) add(`b:${p.brand[i]!}`, a.brandWeight);
    const price = p.price[i]!;
    if (price > 0) add(`p:${Math.floor(Math.log(price) / Math.log(a.priceBandRatio))}`, a.priceBandWeight);
    for (let k = p.attrOffsets[i]!; k < p.attrOffsets[i + 1]!; k++)
      add(`a:${p.attrTokens[k]!}`, a.freeAttributeWeight);
    for (const word of (p.name[i] ?? '').toLowerCase().split(/[^a-z0-9]+/)) {
      if (word.length >= MIN_WORD) add(`w:${word}`, a.nameTokenWeight);
    }
    perProduct.push(m);
  }
  const df = new Float64Array(ids.size);
  for (const m of perProduct) for (const t of m.keys()) df[t]!++;
  const offsets = new Int32Array(nP + 1);
  const tokens: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < nP; i++) {
    const entries = [...perProduct[i]!.entries()].sort((x, y) => x[0] - y[0]);
    let norm = 0;
    const ws = entries.map(([t, w]) => w * Math.log(1 + nP / df[t]!));
    for (const w of ws) norm += w * w;
    norm = Math.sqrt(norm) || 1;
    entries.forEach(([t], j) => {
      tokens.push(t);
      weights.push(ws[j]! / norm);
    });
    offsets[i + 1] = tokens.length;
  }
  return { offsets, tokens: Int32Array.from(tokens), weights: Float32Array.from(weights), nTokens: ids.size };
}

/**
 * The token vectors as the similarity search reads them. A token of a single product only ever
 * meets itself: it adds exactly +0 to any other product's cosine, so it is left out. The products
 * are laid out grouped by their widest selective token (in a 100k-product catalogue, a brand's
 * ~500 products), so a product's candidates lie side by side in memory, and each product's (token,
 * weight) pairs are interleaved in one buffer. The shared tokens keep their order (renumbered), so
 * every sum runs in the same order as over the full vectors.
 */
export interface SearchVectors {
  /** Laid-out product i is the catalogue's product[i]; at[p] is where product p lies. */
  product: Int32Array;
  at: Int32Array;
  /** Laid-out product i's pairs are entries offsets[i]..offsets[i + 1]. */
  offsets: Int32Array;
  /** Entry j: its token at tokens[2j] and its weight at weights[2j + 1] (views of one buffer). */
  tokens: Int32Array;
  weights: Float32Array;
  /** Shared tokens (ids 0..nShared - 1) and how many products hold each. */
  nShared: number;
  df: Int32Array;
}

export function searchVectors(v: TokenVectors, nP: number, maxPosting = MAX_POSTING): SearchVectors {
  const dfAll = new Int32Array(v.nTokens);
  for (const t of v.tokens) dfAll[t]!++;
  const local = new Int32Array(v.nTokens).fill(-1);
  let nShared = 0;
  for (let t = 0; t < v.nTokens; t++) if (dfAll[t]! > 1) local[t] = nShared++;
  const df = new Int32Array(nShared);
  // Each product's group: its selective token held by the most products (nShared: none).
  const group = new Int32Array(nP).fill(nShared);
  for (let p = 0; p < nP; p++) {
    for (let k = v.offsets[p]!; k < v.offsets[p + 1]!; k++) {
      const t = local[v.tokens[k]!]!;
      if (t < 0) continue;
      df[t] = dfAll[v.tokens[k]!]!;
      const g = group[p]!;
      if (df[t] <= maxPosting && (g === nShared || df[t] > df[g]! || (df[t] === df[g] && t < g)))
        group[p] = t;
    }
  }
  const product = Int32Array.from({ length: nP }, (_, p) => p).sort((x, y) => group[x]! - group[y]! || x - y);
  const at = new Int32Array(nP);
  for (let i = 0; i < nP; i++) at[product[i]!] = i;
  const offsets = new Int32Array(nP + 1);
  for (let i = 0; i < nP; i++) {
    const p = product[i]!;
    let n = 0;
    for (let k = v.offsets[p]!; k < v.offsets[p + 1]!; k++) if (local[v.tokens[k]!]! >= 0) n++;
    offsets[i + 1] = offsets[i]! + n;
  }
  const buffer = new ArrayBuffer(offsets[nP]! * 8);
  const tokens = new Int32Array(buffer);
  const weights = new Float32Array(buffer);
  for (let i = 0, j = 0; i < nP; i++) {
    const p = product[i]!;
    for (let k = v.offsets[p]!; k < v.offsets[p + 1]!; k++) {
      const t = local[v.tokens[k]!]!;
      if (t < 0) continue;
      tokens[2 * j] = t;
      weights[2 * j + 1] = v.weights[k]!;
      j++;
    }
  }
  return { product, at, offsets, tokens, weights, nShared, df };
}

export function buildAttributeGraph(s: Snapshot, config: EngineConfig): AttributeGraph {
  const nP = s.products.ids.length;
  const v = searchVectors(productTokenVectors(s, config), nP);
  const { product, at, offsets, tokens, weights } = v;
  // Inverted index over the selective tokens (only they propose candidates), in layout order.
  const postOffsets = new Int32Array(v.nShared + 1);
  for (let t = 0; t < v.nShared; t++)
    postOffsets[t + 1] = postOffsets[t]! + (v.df[t]! > MAX_POSTING ? 0 : v.df[t]!);
  const fill = postOffsets.slice(0, v.nShared);
  const postings = new Int32Array(postOffsets[v.nShared]!);
  for (let i = 0; i < nP; i++) {
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) {
      const t = tokens[2 * j]!;
      if (fill[t]! < postOffsets[t + 1]!) postings[fill[t]!++] = i;
    }
  }
  // A token held by exactly the products of an earlier one (a brand and its name word) proposes
  // nothing more: each product holding it holds the earlier one too.
  const proposes = new Uint8Array(v.nShared);
  const seen = new Map<string, number>();
  for (let t = 0; t < v.nShared; t++) {
    if (postOffsets[t + 1] === postOffsets[t]) continue;
    const key = postings.subarray(postOffsets[t], postOffsets[t + 1]).join(',');
    if (!seen.has(key)) {
      seen.set(key, t);
      proposes[t] = 1;
    }
  }
  const proposedFor = new Int32Array(nP).fill(-1);
  const touched = new Int32Array(nP);
  const dense = new Float64Array(v.nShared);
  const { aux: _aux, ...similar } = csrTopK(nP, config.attributes.neighbours, (a, push) => {
    const ia = at[a]!;
    let n = 0;
    for (let j = offsets[ia]!; j < offsets[ia + 1]!; j++) {
      const t = tokens[2 * j]!;
      dense[t] = weights[2 * j + 1]!;
      if (!proposes[t]) continue;
      for (let k = postOffsets[t]!; k < postOffsets[t + 1]!; k++) {
        const ib = postings[k]!;
        if (ib === ia || proposedFor[ib] === ia) continue;
        proposedFor[ib] = ia;
        touched[n++] = ib;
      }
    }
    // Exact cosine (all shared tokens, selective or not) for the proposed products.
    for (let i = 0; i < n; i++) {
      const ib = touched[i]!;
      let dot = 0;
      for (let j = offsets[ib]!; j < offsets[ib + 1]!; j++)
        dot += dense[tokens[2 * j]!]! * weights[2 * j + 1]!;
      if (dot > 0) push(product[ib]!, dot);
    }
    for (let j = offsets[ia]!; j < offsets[ia + 1]!; j++) dense[tokens[2 * j]!] = 0;
  });
  return { similar };
}

export const encodeAttributeGraph = (g: AttributeGraph): Uint8Array => encodeArtifact(KIND, VERSION, g);
export const decodeAttributeGraph = (b: Uint8Array): AttributeGraph =>
  decodeArtifact<AttributeGraph>(KIND, VERSION, b);
