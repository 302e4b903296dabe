import { createHash } from 'node:crypto';

/** 48 bits of the hash: buckets finer than any share anyone would set, exact in a double. */
const BUCKET_BYTES = 6;
const BUCKET_RANGE = 2 ** (8 * BUCKET_BYTES);

/**
 * The customer's bucket in [0, 1) for one experiment: a hash of both ids, so a customer keeps their
 * variant on every request and replica, and different experiments split customers independently.
 */
export function bucketOf(experimentId: string, customerId: string): number {
  const digest = createHash('sha256').update(`${experimentId}\u0000${customerId}`).digest();
  return digest.readUIntBE(0, BUCKET_BYTES) / BUCKET_RANGE;
}

/**
 * The variant whose slice of [0, 1) holds `bucket`, slices laid out in order by their shares. Shares
 * sum to 1 up to rounding: a bucket past the last slice's float end belongs to the last variant.
 */
export function pickVariant<V extends { share: number }>(variants: readonly [V, ...V[]], bucket: number): V {
  let end = 0;
  for (const variant of variants) {
    end += variant.share;
    if (bucket < end) return variant;
  }
  return variants[variants.length - 1]!;
}
