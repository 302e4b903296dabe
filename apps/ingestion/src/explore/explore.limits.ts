/** Bounds of the explore routes: a history page a browser draws at once, a year of daily counts. */
export const EXPLORE_LIMITS = { maxHistory: 1000, maxSimilar: 50, maxPopularityDays: 366 } as const;

/** Queue depths are a handful of Redis round trips: slower means Redis is in trouble, answer without them. */
export const QUEUE_DEPTHS_TIMEOUT_MS = 3000;

/** The job states an operator watches: work waiting or running, and what failed. */
export const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'waiting-children',
  'failed',
] as const;
