/**
 * Candidates of a refresh: the build's own generator over the refreshed customer's one-customer view,
 * live intent feeding their recent basket, and the candidate set's rows the refresh ranks.
 */

import { CandidateGenerator, type CandidateSet } from '../candidates';
import type { EngineConfig } from '../config';
import { buildCustomerAffinities } from '../features/affinities';
import { buildProfile, type CustomerProfile } from '../profile';
import type { CustomerIndex, Snapshot } from '../snapshot';
import type { Candidate, Strategy } from '../strategies/types';
import type { Intent } from './intent';

/**
 * The customer's category affinities from their events alone: the rebuild's own
 * `buildCustomerAffinities`, run on a one-customer view (its cost is per customer of the snapshot).
 */
export function customerAffinityRow(
  view: Snapshot,
  c: number,
  config: EngineConfig,
): { cols: Int32Array; vals: Float32Array } {
  const one: Snapshot = {
    ...view,
    customers: {
      ids: [view.customers.ids[c]!],
      segment: Int32Array.of(view.customers.segment[c]!),
      segmentNames: view.customers.segmentNames,
    },
    events: { ...view.events, customer: new Int32Array(view.events.customer.length) },
  };
  const { categories } = buildCustomerAffinities(one, config);
  return {
    cols: categories.cols.subarray(categories.offsets[0], categories.offsets[1]),
    vals: categories.vals.subarray(categories.offsets[0], categories.offsets[1]),
  };
}

/** The candidate set's rows of `keep` (features as computed over the whole set). */
export function subset(set: CandidateSet, keep: readonly { product: number }[]): CandidateSet {
  const rowOf = new Map<number, number>();
  set.products.forEach((p, r) => rowOf.set(p, r));
  const width = set.features.length / Math.max(1, set.products.length);
  const viaWidth = set.via.length / Math.max(1, set.products.length);
  const out: CandidateSet = {
    customer: set.customer,
    products: new Int32Array(keep.length),
    foundBy: new Uint8Array(keep.length),
    features: new Float32Array(keep.length * width),
    via: new Int32Array(keep.length * viaWidth),
  };
  keep.forEach(({ product }, i) => {
    const r = rowOf.get(product)!;
    out.products[i] = product;
    out.foundBy[i] = set.foundBy[r]!;
    out.features.set(set.features.subarray(r * width, (r + 1) * width), i * width);
    out.via.set(set.via.subarray(r * viaWidth, (r + 1) * viaWidth), i * viaWidth);
  });
  return out;
}

/**
 * The candidate generator of a loaded build, reused by every refresh: the customer's profile comes
 * from the refresh's one-customer view, and the products of live intent count as the freshest basket.
 */
export class LiveCandidateGenerator extends CandidateGenerator {
  private current: { view: Snapshot; index: CustomerIndex; intent: ReadonlyMap<number, Intent> } | undefined;

  /** `generate` for one refresh: `view` holds the customer's events, `index` their row. */
  generateLive(
    customer: number,
    view: Snapshot,
    index: CustomerIndex,
    intent: ReadonlyMap<number, Intent>,
    extra: readonly (readonly [Strategy, readonly Candidate[]])[],
  ): CandidateSet {
    this.current = { view, index, intent };
    try {
      return this.generate(customer, extra);
    } finally {
      this.current = undefined;
    }
  }

  override profile(customer: number): CustomerProfile {
    if (!this.current) return super.profile(customer);
    const { view, index, intent } = this.current;
    const p = buildProfile(view, index, customer, this.config);
    if (intent.size === 0) return p;
    // What is in the cart or on screen now feeds "bought together" the way a recent basket does.
    const recent = new Map<number, number>();
    p.recentItems.forEach((item, i) => recent.set(item, p.recentWeights[i]!));
    for (const [item, x] of intent) recent.set(item, Math.max(recent.get(item) ?? 0, Math.min(1, x.weight)));
    return {
      ...p,
      recentItems: Int32Array.from(recent.keys()),
      recentWeights: Float32Array.from(recent.values()),
    };
  }
}
