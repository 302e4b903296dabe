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

export function buildAttributeGraph(s: Snapshot, config: EngineConfig): AttributeGraph {
  const nP = s.products.ids.length;
  const v = productTokenVectors(s, config);
  // Inverted index over tokens.
  const postOffsets = new Int32Array(v.nTokens + 1);
  for (const t of v.tokens) postOffsets[t + 1]!++;
  for (let t = 0; t < v.nTokens; t++) postOffsets[t + 1]! += postOffsets[t]!;
  const fill = postOffsets.slice(0, v.nTokens);
  const postProducts = new Int32Array(v.tokens.length);
  const postWeights = new Float32Array(v.tokens.length);
  for (let i = 0; i < nP; i++) {
    for (let k = v.offsets[i]!; k < v.offsets[i + 1]!; k++) {
      const at = fill[v.tokens[k]!]!++;
      postProducts[at] = i;
      postWeights[at] = v.weights[k]!;
    }
  }
  const acc = new Float64Array(nP);
  const touched: number[] = [];
  const dense = new Float64Array(v.nTokens);
  const { aux: _aux, ...similar } = csrTopK(nP, config.attributes.neighbours, (a, push) => {
    touched.length = 0;
    for (let k = v.offsets[a]!; k < v.offsets[a + 1]!; k++) {
      const t = v.tokens[k]!;
      dense[t] = v.weights[k]!;
      if (postOffsets[t + 1]! - postOffsets[t]! > MAX_POSTING) continue;
      for (let j = postOffsets[t]!; j < postOffsets[t + 1]!; j++) {
        const b = postProducts[j]!;
        if (b === a) continue;
        if (acc[b] === 0) touched.push(b);
        acc[b] = 1;
      }
    }
    // Exact cosine (all tokens, selective or not) for the proposed products.
    for (const b of touched) {
      let dot = 0;
      for (let k = v.offsets[b]!; k < v.offsets[b + 1]!; k++) dot += dense[v.tokens[k]!]! * v.weights[k]!;
      if (dot > 0) push(b, dot);
      acc[b] = 0;
    }
    for (let k = v.offsets[a]!; k < v.offsets[a + 1]!; k++) dense[v.tokens[k]!] = 0;
  });
  return { similar };
}

export const encodeAttributeGraph = (g: AttributeGraph): Uint8Array => encodeArtifact(KIND, VERSION, g);
export const decodeAttributeGraph = (b: Uint8Array): AttributeGraph =>
  decodeArtifact<AttributeGraph>(KIND, VERSION, b);
