/** How often live pages refresh themselves, ms: a build moves stage by stage in seconds. */
export const REFRESH = {
  overview: 5000,
  builds: 5000,
  buildInFlight: 1000,
  /** After a what-if event, until the list changes (a real-time refresh takes about a second). */
  whatIf: 500,
  experiments: 10_000,
} as const;

/** How long the what-if panel waits for the list to change before saying it did not. */
export const WHAT_IF_WAIT_MS = 15_000;
