import { Counter, Histogram, register } from 'prom-client';

export const REFRESH_DURATION_METRIC = 'nextbuy_realtime_refresh_seconds';
export const REFRESHES_METRIC = 'nextbuy_realtime_refreshes_total';

/** A refresh is a few indexed reads, milliseconds of ranking and two writes: buckets from 5 ms to 2.5 s. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Get-or-create: tests boot several apps in one process, and prom-client has one registry. */
export function refreshDuration(): Histogram {
  const existing = register.getSingleMetric(REFRESH_DURATION_METRIC);
  if (existing) return existing as Histogram;
  return new Histogram({
    name: REFRESH_DURATION_METRIC,
    help: 'Real-time refresh of one customer list, from job start to the cache write, in seconds',
    buckets: BUCKETS,
  });
}

/** Refreshes by outcome: `refreshed`, `no_build` (nothing published yet), `failed`. */
export function refreshCount(): Counter<'outcome'> {
  const existing = register.getSingleMetric(REFRESHES_METRIC);
  if (existing) return existing as Counter<'outcome'>;
  return new Counter({
    name: REFRESHES_METRIC,
    help: 'Real-time refreshes of customer lists, by outcome',
    labelNames: ['outcome'],
  });
}

export const REFRESH_BATCH_STEP_METRIC = 'nextbuy_realtime_batch_step_seconds';
export const REFRESH_BATCH_SIZE_METRIC = 'nextbuy_realtime_batch_customers';

/** Seconds of each step of a refresh batch (active build, reads, ranking, write, cache...). */
export function refreshBatchSteps(): Histogram<'step'> {
  const existing = register.getSingleMetric(REFRESH_BATCH_STEP_METRIC);
  if (existing) return existing as Histogram<'step'>;
  return new Histogram({
    name: REFRESH_BATCH_STEP_METRIC,
    help: 'Real-time refresh batches: seconds per step (one batch refreshes the customers waiting together)',
    labelNames: ['step'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  });
}

/** Customers per refresh batch: 1 when idle, up to REALTIME_CONCURRENCY under load. */
export function refreshBatchSize(): Histogram {
  const existing = register.getSingleMetric(REFRESH_BATCH_SIZE_METRIC);
  if (existing) return existing as Histogram;
  return new Histogram({
    name: REFRESH_BATCH_SIZE_METRIC,
    help: 'Customers per real-time refresh batch',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
  });
}
