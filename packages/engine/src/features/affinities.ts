/** Customer affinities stage: each customer's decayed interest per category, as shares summing to 1. */

import { decay, type EngineConfig } from '../config';
import { decodeArtifact, encodeArtifact } from '../codec';
import { csrTopK, type Csr } from '../csr';
import { indexByCustomer, type Snapshot } from '../snapshot';

export interface CustomerAffinities {
  /** customer → categories by share of the customer's positive decayed interest (vals sum to 1). */
  categories: Csr;
}

const KIND = 'customer-affinities';
const VERSION = 1;
/** Categories kept per customer: the tail carries no ranking signal. */
const MAX_CATEGORIES = 20;

/** Affinities of every customer, or only of `customers` (a shard, or one customer in real time). */
export function buildCustomerAffinities(
  s: Snapshot,
  config: EngineConfig,
  customers?: ArrayLike<number>,
): CustomerAffinities {
  const nC = s.customers.ids.length;
  const wanted = customers ? new Uint8Array(nC) : undefined;
  if (wanted && customers) for (let i = 0; i < customers.length; i++) wanted[customers[i]!] = 1;
  const w = config.eventWeights;
  const weightOf = [w.view, w.click, w.cart_add, w.cart_remove, w.purchase, w.return];
  const { product, type, ts } = s.events;
  const category = s.products.category;
  const idx = indexByCustomer(s.events, nC);
  const acc = new Float64Array(s.products.categoryNames.length);
  const seen = new Uint8Array(acc.length);
  const touched: number[] = [];
  const { aux: _aux, ...categories } = csrTopK(nC, MAX_CATEGORIES, (c, push) => {
    if (wanted && !wanted[c]) return;
    touched.length = 0;
    for (let k = idx.offsets[c]!; k < idx.offsets[c + 1]!; k++) {
      const e = idx.rows[k]!;
      const cat = category[product[e]!]!;
      if (cat < 0) continue;
      if (!seen[cat]) {
        seen[cat] = 1;
        touched.push(cat);
      }
      acc[cat]! +=
        ((weightOf[type[e]!] ?? 0) / w.purchase) * decay(s.asOf - ts[e]!, config.halfLifeDays.affinity);
    }
    let total = 0;
    for (const cat of touched) if (acc[cat]! > 0) total += acc[cat]!;
    for (const cat of touched) {
      if (acc[cat]! > 0 && total > 0) push(cat, acc[cat]! / total);
      acc[cat] = 0;
      seen[cat] = 0;
    }
  });
  return { categories };
}

export const encodeCustomerAffinities = (a: CustomerAffinities): Uint8Array =>
  encodeArtifact(KIND, VERSION, a);
export const decodeCustomerAffinities = (b: Uint8Array): CustomerAffinities =>
  decodeArtifact<CustomerAffinities>(KIND, VERSION, b);
