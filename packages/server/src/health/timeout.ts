/** A dependency that did not answer in time (health probes, first connections). */
export class TimeoutError extends Error {}

/** Rejects with `TimeoutError` when `promise` has not settled within `ms` (the timer never keeps the process alive). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
