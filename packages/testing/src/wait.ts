/** How often `eventually` asks again: often enough for a test to see a change within a tick or two. */
const POLL_INTERVAL_MS = 50;

/**
 * Resolves once `check` answers true; asks every 50 ms, and fails naming `what` after `timeoutMs`.
 * For what a test waits on (a job done, a build published), instead of sleeping a fixed time.
 */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}
