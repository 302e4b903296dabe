/** Stage timings in milliseconds, filled by the stages when given. */
export type Timings = Record<string, number>;

/** Runs `fn`, adding its wall time to `timings[name]` when timings are kept. */
export function timed<T>(timings: Timings | undefined, name: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  if (timings) timings[name] = (timings[name] ?? 0) + performance.now() - t0;
  return out;
}
