/**
 * Catalogue growth since a build: the build's product dictionary with new and edited products, and
 * its per-product artifacts padded with empty rows for the new ones.
 */

import type { Csr } from '../csr';
import type { ItemGraphs } from '../features/graphs';
import type { ItemStats } from '../features/item-stats';
import type { ProductDictionary, ProductRow } from '../snapshot';

/** Each id's index. */
export function indexOf(ids: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  ids.forEach((id, i) => m.set(id, i));
  return m;
}

/** A name dictionary continued from existing names. */
function namer(names: string[]): (name: string) => number {
  const index = indexOf(names);
  return (name) => {
    let i = index.get(name);
    if (i === undefined) {
      i = names.push(name) - 1;
      index.set(name, i);
    }
    return i;
  };
}

/** The build's product dictionary with rows applied: edited products overwritten, new ones appended. */
export function extendProducts(base: ProductDictionary, rows: readonly ProductRow[]): ProductDictionary {
  const ids = [...base.ids];
  const index = indexOf(ids);
  const changed = new Map<number, ProductRow>();
  for (const r of rows) {
    let i = index.get(r.product_id);
    if (i === undefined) {
      i = ids.push(r.product_id) - 1;
      index.set(r.product_id, i);
    }
    changed.set(i, r);
  }
  const nP = ids.length;
  const categoryNames = [...base.categoryNames];
  const brandNames = [...base.brandNames];
  const attrTokenNames = [...base.attrTokenNames];
  const category = namer(categoryNames);
  const brand = namer(brandNames);
  const token = namer(attrTokenNames);
  const out: ProductDictionary = {
    ids,
    name: [...base.name, ...new Array<string>(nP - base.ids.length).fill('')],
    category: grow(Int32Array, base.category, nP, -1),
    categoryNames,
    brand: grow(Int32Array, base.brand, nP, -1),
    brandNames,
    price: grow(Float64Array, base.price, nP, NaN),
    available: grow(Uint8Array, base.available, nP, 1),
    attrOffsets: new Int32Array(nP + 1),
    attrTokens: new Int32Array(0),
    attrTokenNames,
  };
  const tokens: number[] = [];
  for (let p = 0; p < nP; p++) {
    const row = changed.get(p);
    if (row) {
      out.name[p] = row.name ?? '';
      out.category[p] = row.category ? category(row.category) : -1;
      out.brand[p] = row.brand ? brand(row.brand) : -1;
      out.price[p] = row.price !== undefined && Number.isFinite(row.price) ? row.price : NaN;
      out.available[p] = row.available === false ? 0 : 1;
      for (const [k, v] of Object.entries(row.attributes ?? {})) tokens.push(token(`${k}=${String(v)}`));
    } else {
      for (let k = base.attrOffsets[p]!; k < base.attrOffsets[p + 1]!; k++) tokens.push(base.attrTokens[k]!);
    }
    out.attrOffsets[p + 1] = tokens.length;
  }
  out.attrTokens = Int32Array.from(tokens);
  return out;
}

type TypedArray = Int32Array | Float32Array | Float64Array | Uint8Array;

function grow<T extends TypedArray>(Ctor: new (n: number) => T, a: T, n: number, fill: number): T {
  if (a.length >= n) return a;
  const b = new Ctor(n);
  b.fill(fill);
  b.set(a);
  return b;
}

/** A CSR with empty rows appended up to `rows`. */
function padCsr(m: Csr, rows: number): Csr {
  if (m.offsets.length - 1 >= rows) return m;
  const offsets = new Int32Array(rows + 1);
  offsets.set(m.offsets);
  offsets.fill(m.offsets[m.offsets.length - 1] ?? 0, m.offsets.length);
  return { ...m, offsets };
}

/** Statistics of products new since the build: none yet (no sales, no returns, never seen). */
export function padItemStats(s: ItemStats, nP: number, nCategories: number): ItemStats {
  return {
    ...s,
    buyersWindow: grow(Float32Array, s.buyersWindow, nP, 0),
    buyersPrevWindow: grow(Float32Array, s.buyersPrevWindow, nP, 0),
    buyersShort: grow(Float32Array, s.buyersShort, nP, 0),
    popularityDecayed: grow(Float32Array, s.popularityDecayed, nP, 0),
    buyersTotal: grow(Float32Array, s.buyersTotal, nP, 0),
    repeatRate: grow(Float32Array, s.repeatRate, nP, 0),
    meanGapDays: grow(Float32Array, s.meanGapDays, nP, NaN),
    returnRate: grow(Float32Array, s.returnRate, nP, 0),
    firstSeen: grow(Float64Array, s.firstSeen, nP, NaN),
    byCategory: padCsr(s.byCategory, nCategories),
  };
}

export function padGraphs(g: ItemGraphs, nP: number): ItemGraphs {
  return {
    ...g,
    collaborative: padCsr(g.collaborative, nP),
    together: padCsr(g.together, nP),
    after: padCsr(g.after, nP),
  };
}
