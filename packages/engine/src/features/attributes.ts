/**
 * Attribute similarity: each product is a sparse vector of weighted tokens (category, brand, price
 * band, free attributes, name words) with IDF weighting; similarity is cosine. Candidates come from
 * an inverted index over selective tokens, so cost stays near-linear in the catalogue.
 */

import { createHash } from 'node:crypto';
import type { EngineConfig } from '../config';
import { decodeArtifact, encodeArtifact } from '../codec';
import { csrTopK, type Csr } from '../csr';
import type { Snapshot } from '../snapshot';

export interface AttributeGraph {
  /** product → most similar products by attributes (vals: cosine in (0, 1]). */
  similar: Csr;
}

const KIND = 'attribute-graph';
const PART_KIND = 'attribute-graph-part';
const VERSION = 1;
/** Tokens shared by more products than this only refine scores, they don't propose candidates. */
const MAX_POSTING = 1000;
/** Name words shorter than this are noise ("OF", "IN"). */
const MIN_WORD = 3;

export interface TokenVectors {
  offsets: Int32Array;
  tokens: Int32Array;
  weights: Float32Array;
  nTokens: number;
}

/**
 * Everything the attribute graph is computed from: the products' token vectors (what the catalogue
 * says of each product, weighted) and the settings. `digest` names them: two snapshots with the same
 * digest have byte for byte the same graph, so a rebuild over an unchanged catalogue can take an
 * earlier build's graph instead of computing it (a price change inside its band, a new name for a
 * category, stock or events change nothing here).
 */
export interface AttributeGraphInputs {
  vectors: TokenVectors;
  digest: string;
}

export function attributeGraphInputs(s: Snapshot, config: EngineConfig): AttributeGraphInputs {
  const vectors = productTokenVectors(s, config);
  const hash = createHash('sha1').update(
    `${KIND} v${VERSION} ${MAX_POSTING} ${JSON.stringify(config.attributes)} ${vectors.nTokens}\n`,
  );
  for (const column of [vectors.offsets, vectors.tokens, vectors.weights])
    hash.update(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
  return { vectors, digest: hash.digest('hex') };
}

/**
 * Sorted token vectors with unit norm. Tokens are numbered in the order they are first met (the
 * search sums each cosine in token order); each kind of token (category, brand, price band, free
 * attribute, name word) is looked up in a map of its own, so only name words are strings.
 */
export function productTokenVectors(s: Snapshot, config: EngineConfig): TokenVectors {
  const a = config.attributes;
  const p = s.products;
  const nP = p.ids.length;
  let nTokens = 0;
  const kinds = { c: new Map<number, number>(), b: new Map<number, number>(), p: new Map<number, number>() };
  const attrs = new Map<number, number>();
  const words = new Map<string, number>();
  const tok = <K>(ids: Map<K, number>, key: K) => {
    let t = ids.get(key);
    if (t === undefined) ids.set(key, (t = nTokens++));
    return t;
  };
  // A product's tokens (each once, at its largest weight), then all of them product after product.
  let pTok = new Int32Array(64);
  let pW = new Float64Array(64);
  let n = 0;
  const add = (t: number, w: number) => {
    for (let j = 0; j < n; j++) {
      if (pTok[j] === t) {
        pW[j] = Math.max(pW[j]!, w);
        return;
      }
    }
    if (n === pTok.length) {
      const grownT = new Int32Array(2 * n);
      grownT.set(pTok);
      pTok = grownT;
      const grownW = new Float64Array(2 * n);
      grownW.set(pW);
      pW = grownW;
    }
    pTok[n] = t;
    pW[n++] = w;
  };
  const offsets = new Int32Array(nP + 1);
  let tokens = new Int32Array(Math.max(16, 8 * nP));
  let raw = new Float64Array(tokens.length);
  const bandOf = Math.log(a.priceBandRatio);
  for (let i = 0; i < nP; i++) {
    n = 0;
    if (a.categoryWeight > 0 && p.category[i]! >= 0) add(tok(kinds.c, p.category[i]!), a.categoryWeight);
    if (a.brandWeight > 0 && p.brand[i]! >= 0) add(tok(kinds.b, p.brand[i]!), a.brandWeight);
    const price = p.price[i]!;
    if (a.priceBandWeight > 0 && price > 0)
      add(tok(kinds.p, Math.floor(Math.log(price) / bandOf)), a.priceBandWeight);
    if (a.freeAttributeWeight > 0)
      for (let k = p.attrOffsets[i]!; k < p.attrOffsets[i + 1]!; k++)
        add(tok(attrs, p.attrTokens[k]!), a.freeAttributeWeight);
    if (a.nameTokenWeight > 0) {
      // The name's runs of [a-z0-9] once lower-cased (what a split on anything else gives).
      const name = (p.name[i] ?? '').toLowerCase();
      for (let from = 0, k = 0; k <= name.length; k++) {
        const c = k < name.length ? name.charCodeAt(k) : 0;
        if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) continue;
        if (k - from >= MIN_WORD) add(tok(words, name.slice(from, k)), a.nameTokenWeight);
        from = k + 1;
      }
    }
    // Ascending token order (a product has a handful of tokens).
    for (let j = 1; j < n; j++) {
      const t = pTok[j]!;
      const w = pW[j]!;
      let k = j - 1;
      for (; k >= 0 && pTok[k]! > t; k--) {
        pTok[k + 1] = pTok[k]!;
        pW[k + 1] = pW[k]!;
      }
      pTok[k + 1] = t;
      pW[k + 1] = w;
    }
    const at = offsets[i]!;
    if (at + n > tokens.length) {
      const grownT = new Int32Array(Math.max(2 * tokens.length, at + n));
      grownT.set(tokens);
      tokens = grownT;
      const grownW = new Float64Array(grownT.length);
      grownW.set(raw);
      raw = grownW;
    }
    tokens.set(pTok.subarray(0, n), at);
    raw.set(pW.subarray(0, n), at);
    offsets[i + 1] = at + n;
  }
  const total = offsets[nP]!;
  const df = new Float64Array(nTokens);
  for (let j = 0; j < total; j++) df[tokens[j]!]!++;
  const idf = df.map((d) => Math.log(1 + nP / d));
  const weights = new Float32Array(total);
  for (let i = 0; i < nP; i++) {
    let norm = 0;
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) {
      raw[j] = raw[j]! * idf[tokens[j]!]!;
      norm += raw[j]! * raw[j]!;
    }
    norm = Math.sqrt(norm) || 1;
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) weights[j] = raw[j]! / norm;
  }
  return { offsets, tokens: tokens.slice(0, total), weights, nTokens };
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
  /** Laid-out product i's group: its widest selective token (nShared: it has none). */
  group: Int32Array;
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
  const laidGroup = product.map((p) => group[p]!);
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
  return { product, at, offsets, tokens, weights, nShared, df, group: laidGroup };
}

/** What every row of the graph is computed from: the same for the whole graph and for each part. */
interface AttributeSearch {
  v: SearchVectors;
  /** Inverted index over the selective tokens, in layout order. */
  postOffsets: Int32Array;
  postings: Int32Array;
  /** Tokens whose postings propose candidates (a token with an earlier one's postings does not). */
  proposes: Uint8Array;
}

function attributeSearch(s: Snapshot, vectors: TokenVectors): AttributeSearch {
  const nP = s.products.ids.length;
  const v = searchVectors(vectors, nP);
  const { offsets, tokens } = v;
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
  return { v, postOffsets, postings, proposes };
}

/**
 * Rows of the laid-out products lo..hi - 1 (layout order): each product's top neighbours by exact
 * cosine. The products of a group lie side by side and each is a candidate of every other; there
 * a pair's cosine is computed once, for the earlier row, and read back for the later one. Both
 * rows would sum the same exact products (float32 × float32 fits a double) in the same token
 * order, so cos(a, b) and cos(b, a) are the same double.
 */
function attributeRows(search: AttributeSearch, config: EngineConfig, lo: number, hi: number): Csr {
  const { v, postOffsets, postings, proposes } = search;
  const { product, offsets, tokens, weights, group } = v;
  const nP = product.length;
  const proposedFor = new Int32Array(nP).fill(-1);
  const touched = new Int32Array(nP);
  const dense = new Float64Array(v.nShared);
  // The current row's group run (within lo..hi; a run of one for a product with no group) and the
  // cosines among its products, row-major, computed by the earlier row of each pair.
  const runOf = (i: number) => {
    let end = i + 1;
    if (group[i]! < v.nShared) while (end < hi && group[end] === group[i]) end++;
    return end;
  };
  let widest = 0;
  for (let i = lo; i < hi; i = runOf(i)) widest = Math.max(widest, runOf(i) - i);
  const pairs = new Float64Array(widest * widest);
  let runStart = lo;
  let runEnd = lo;
  let size = 0;
  const { aux: _aux, ...rows } = csrTopK(hi - lo, config.attributes.neighbours, (r, push) => {
    const ia = lo + r;
    if (ia >= runEnd) {
      runStart = ia;
      runEnd = runOf(ia);
      size = runEnd - runStart;
    }
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
      const inRun = ib >= runStart && ib < runEnd;
      let dot = 0;
      if (inRun && ib < ia) dot = pairs[(ib - runStart) * size + (ia - runStart)]!;
      else {
        for (let j = offsets[ib]!; j < offsets[ib + 1]!; j++)
          dot += dense[tokens[2 * j]!]! * weights[2 * j + 1]!;
        if (inRun) pairs[(ia - runStart) * size + (ib - runStart)] = dot;
      }
      if (dot > 0) push(product[ib]!, dot);
    }
    for (let j = offsets[ia]!; j < offsets[ia + 1]!; j++) dense[tokens[2 * j]!] = 0;
  });
  return rows;
}

export function buildAttributeGraph(
  s: Snapshot,
  config: EngineConfig,
  vectors: TokenVectors = productTokenVectors(s, config),
): AttributeGraph {
  const search = attributeSearch(s, vectors);
  const nP = search.v.product.length;
  return inCatalogueOrder(nP, [
    { rowProducts: search.v.product, rows: attributeRows(search, config, 0, nP) },
  ]);
}

/**
 * One of `parts` ranges of the attribute graph's rows, computed on its own (one job per part, in
 * parallel on the features workers); `mergeAttributeGraphParts` puts them back together into
 * exactly the graph `buildAttributeGraph` gives. The ranges are consecutive in the search's
 * layout (whole groups, as far as the split allows) and split the rows' work rather than their
 * number: a row costs about as many candidates as its proposing tokens' postings hold.
 */
export interface AttributeGraphPart {
  part: number;
  parts: number;
  /** The catalogue's size, and the catalogue product each of its rows is of. */
  products: number;
  rowProducts: Int32Array;
  rows: Csr;
}

/** Where each of `parts` ranges starts (and the last ends): equal shares of the rows' candidates. */
function partBounds(search: AttributeSearch, parts: number): Int32Array {
  const { v, postOffsets, proposes } = search;
  const nP = v.product.length;
  const cost = new Float64Array(nP + 1);
  for (let i = 0; i < nP; i++) {
    let c = 1;
    for (let j = v.offsets[i]!; j < v.offsets[i + 1]!; j++) {
      const t = v.tokens[2 * j]!;
      if (proposes[t]) c += postOffsets[t + 1]! - postOffsets[t]!;
    }
    cost[i + 1] = cost[i]! + c;
  }
  const bounds = new Int32Array(parts + 1);
  bounds[parts] = nP;
  for (let i = 1, p = 0; i < parts; i++) {
    const share = (cost[nP]! * i) / parts;
    while (p < nP && cost[p]! < share) p++;
    // To the end of the group it falls in (its pairs are computed once only within a part).
    while (p > 0 && p < nP && v.group[p] === v.group[p - 1] && v.group[p]! < v.nShared) p++;
    bounds[i] = p;
  }
  return bounds;
}

/**
 * Part `part` of `parts` of the snapshot's attribute graph; cut out of `whole` (that graph, built
 * already) rather than computed when given.
 */
export function buildAttributeGraphPart(
  s: Snapshot,
  config: EngineConfig,
  part: number,
  parts: number,
  whole?: AttributeGraph,
): AttributeGraphPart {
  if (!Number.isInteger(parts) || parts < 1 || !Number.isInteger(part) || part < 0 || part >= parts)
    throw new Error(`attribute graph part ${part} of ${parts}`);
  const search = attributeSearch(s, productTokenVectors(s, config));
  const bounds = partBounds(search, parts);
  const lo = bounds[part]!;
  const hi = bounds[part + 1]!;
  const rowProducts = search.v.product.slice(lo, hi);
  const rows = whole ? csrRowsOf(whole.similar, rowProducts) : attributeRows(search, config, lo, hi);
  return { part, parts, products: s.products.ids.length, rowProducts, rows };
}

/** The given rows of a CSR, in that order, as one of their own. */
function csrRowsOf(m: Csr, rowsOf: Int32Array): Csr {
  const offsets = new Int32Array(rowsOf.length + 1);
  for (let r = 0; r < rowsOf.length; r++)
    offsets[r + 1] = offsets[r]! + m.offsets[rowsOf[r]! + 1]! - m.offsets[rowsOf[r]!]!;
  const cols = new Int32Array(offsets[rowsOf.length]!);
  const vals = new Float32Array(cols.length);
  for (let r = 0; r < rowsOf.length; r++) {
    const from = m.offsets[rowsOf[r]!]!;
    const n = offsets[r + 1]! - offsets[r]!;
    cols.set(m.cols.subarray(from, from + n), offsets[r]);
    vals.set(m.vals.subarray(from, from + n), offsets[r]);
  }
  return { offsets, cols, vals };
}

/** The graph in catalogue order from row sets that hold each product's row once. */
function inCatalogueOrder(
  products: number,
  parts: readonly Pick<AttributeGraphPart, 'rowProducts' | 'rows'>[],
): AttributeGraph {
  const where = new Int32Array(products).fill(-1);
  const sizes = new Int32Array(products);
  parts.forEach(({ rowProducts, rows }, i) => {
    for (let r = 0; r < rowProducts.length; r++) {
      const p = rowProducts[r]!;
      if (!(p >= 0 && p < products) || where[p] !== -1)
        throw new Error(`attribute graph parts: product ${p} is not one of ${products} or is there twice`);
      where[p] = i;
      sizes[p] = rows.offsets[r + 1]! - rows.offsets[r]!;
    }
  });
  const missing = where.indexOf(-1);
  if (missing >= 0) throw new Error(`attribute graph parts: product ${missing} has no row`);
  const offsets = new Int32Array(products + 1);
  for (let p = 0; p < products; p++) offsets[p + 1] = offsets[p]! + sizes[p]!;
  const cols = new Int32Array(offsets[products]!);
  const vals = new Float32Array(cols.length);
  for (const { rowProducts, rows } of parts) {
    for (let r = 0; r < rowProducts.length; r++) {
      for (let k = rows.offsets[r]!, to = offsets[rowProducts[r]!]!; k < rows.offsets[r + 1]!; k++, to++) {
        cols[to] = rows.cols[k]!;
        vals[to] = rows.vals[k]!;
      }
    }
  }
  return { similar: { offsets, cols, vals } };
}

/** The whole graph from all its parts (in any order). */
export function mergeAttributeGraphParts(parts: readonly AttributeGraphPart[]): AttributeGraph {
  if (parts.length === 0) throw new Error('no attribute graph parts to merge');
  const sorted = [...parts].sort((a, b) => a.part - b.part);
  const products = sorted[0]!.products;
  sorted.forEach((p, i) => {
    if (p.part !== i || p.parts !== sorted.length || p.products !== products)
      throw new Error(
        `attribute graph part ${p.part} of ${p.parts} does not fit parts 0..${sorted.length - 1}`,
      );
    if (p.rows.offsets.length !== p.rowProducts.length + 1)
      throw new Error(
        `attribute graph part ${p.part}: ${p.rowProducts.length} products, ${p.rows.offsets.length - 1} rows`,
      );
  });
  return inCatalogueOrder(products, sorted);
}

export const encodeAttributeGraph = (g: AttributeGraph): Uint8Array => encodeArtifact(KIND, VERSION, g);
export const decodeAttributeGraph = (b: Uint8Array): AttributeGraph =>
  decodeArtifact<AttributeGraph>(KIND, VERSION, b);
export const encodeAttributeGraphPart = (p: AttributeGraphPart): Uint8Array =>
  encodeArtifact(PART_KIND, VERSION, p);
export const decodeAttributeGraphPart = (b: Uint8Array): AttributeGraphPart =>
  decodeArtifact<AttributeGraphPart>(PART_KIND, VERSION, b);
