/**
 * Seeded randomness for everything that samples (training negatives, the GBDT's row sample, test
 * fixtures): mulberry32, so the same seed gives the same sequence on every platform.
 */

/** mulberry32's state advances by this constant per draw. */
export const MULBERRY_STEP = 0x6d2b79f5;

/** mulberry32's draw in [0, 1) at state `a` (already advanced by MULBERRY_STEP). */
export function mulberryDraw(a: number): number {
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Seeded PRNG (mulberry32): same seed, same sequence, on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + MULBERRY_STEP) >>> 0;
    return mulberryDraw(a);
  };
}
