import { getMetricsFromIterator, type PromHistogramData, type PromMetrics } from 'prom2javascript';
import type { LiveFigures } from './live-figures';

export type { LiveFigures } from './live-figures';

/** What the apps export (packages/server's HTTP histogram, candidates' real-time counter). */
export const HTTP_DURATION = 'http_request_duration_seconds';
export const REALTIME_REFRESHES = 'nextbuy_realtime_refreshes_total';
/** The console's own scrapes and load-balancer probes are not storefront traffic. */
const UNCOUNTED_ROUTES = new Set(['/metrics', '/health', '/health/live']);
const SERVING_APP = 'serving';
const P99 = 0.99;

/** One scrape of one target. */
export interface Scrape {
  url: string;
  /** ms since the epoch */
  at: number;
  metrics: PromMetrics | null;
  error?: string;
}

export function parseMetrics(text: string): Promise<PromMetrics> {
  return getMetricsFromIterator(text.split('\n')[Symbol.iterator]());
}

/** A counter's increase between two readings; a smaller second reading means the process restarted. */
const increase = (before: number, after: number) => (after >= before ? after - before : after);

const seriesKey = (labels: Record<string, string>) =>
  Object.entries(labels)
    .filter(([name]) => name !== 'le')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

function servingHistograms(metrics: PromMetrics | null): Map<string, PromHistogramData> {
  const out = new Map<string, PromHistogramData>();
  const family = metrics?.[HTTP_DURATION];
  if (family?.type !== 'histogram') return out;
  for (const h of family.data as PromHistogramData[]) {
    if (h.labels.app !== SERVING_APP || UNCOUNTED_ROUTES.has(h.labels.route ?? '')) continue;
    out.set(seriesKey(h.labels), h);
  }
  return out;
}

/** A counter's value per `label` value (the other labels summed), or null when the target has none. */
function counterBy(metrics: PromMetrics | null, name: string, label: string): Map<string, number> | null {
  const family = metrics?.[name];
  if (!family || family.type !== 'counter') return null;
  const out = new Map<string, number>();
  for (const d of family.data as { labels: Record<string, string>; value: number }[]) {
    const key = d.labels[label] ?? '';
    out.set(key, (out.get(key) ?? 0) + d.value);
  }
  return out;
}

/**
 * `histogram_quantile` as Prometheus computes it: linear interpolation inside the bucket where the
 * quantile falls; the `+Inf` bucket answers its lower bound.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? (bounds.length ? buckets.get(bounds.at(-1)!)! : 0);
  if (!total) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound)!;
    if (count >= rank) {
      if (bound === Infinity) return lower;
      const inBucket = count - below;
      return inBucket > 0 ? lower + ((bound - lower) * (rank - below)) / inBucket : bound;
    }
    lower = bound;
    below = count;
  }
  return lower;
}

/**
 * The live figures of the overview from the scrapes of the last window: per target, the first and
 * last successful scrape are compared, so a rate covers the window whatever the scrape interval.
 */
export function summarise(scrapes: readonly Scrape[]): LiveFigures {
  const byUrl = new Map<string, Scrape[]>();
  for (const s of scrapes) byUrl.set(s.url, [...(byUrl.get(s.url) ?? []), s]);

  let windowMs = 0;
  let servingSeen = false;
  let requests = 0;
  const buckets = new Map<number, number>();
  let realtimeSeen = false;
  let refreshed = 0;
  let failed = 0;
  const targets: LiveFigures['targets'] = [];

  for (const [url, list] of byUrl) {
    const latest = list.at(-1)!;
    targets.push({ url, up: latest.metrics !== null, ...(latest.error ? { error: latest.error } : {}) });
    const ok = list.filter((s) => s.metrics !== null);
    const first = ok[0];
    const last = ok.at(-1);
    if (!first || !last || first === last) continue;
    windowMs = Math.max(windowMs, last.at - first.at);

    const before = servingHistograms(first.metrics);
    const after = servingHistograms(last.metrics);
    if (after.size > 0) servingSeen = true;
    for (const [key, h] of after) {
      const prior = before.get(key);
      const restarted = prior !== undefined && h.count < prior.count;
      requests += restarted || !prior ? h.count : h.count - prior.count;
      for (const [le, count] of Object.entries(h.buckets)) {
        const bound = le === '+Inf' ? Infinity : Number(le);
        const was = restarted ? 0 : (prior?.buckets[le] ?? 0);
        buckets.set(bound, (buckets.get(bound) ?? 0) + count - was);
      }
    }

    const refreshesBefore = counterBy(first.metrics, REALTIME_REFRESHES, 'outcome');
    const refreshesAfter = counterBy(last.metrics, REALTIME_REFRESHES, 'outcome');
    if (refreshesAfter) {
      realtimeSeen = true;
      const delta = (outcome: string) =>
        increase(refreshesBefore?.get(outcome) ?? 0, refreshesAfter.get(outcome) ?? 0);
      refreshed += delta('refreshed');
      failed += delta('failed');
    }
  }

  const perMinute = (n: number) => (windowMs > 0 ? Math.round((n * 60_000 * 10) / windowMs) / 10 : 0);
  const p99 = histogramQuantile(P99, buckets);
  return {
    window_seconds: Math.round(windowMs / 1000),
    serving: servingSeen
      ? {
          requests_per_minute: perMinute(requests),
          p99_ms: p99 === null ? null : Math.round(p99 * 10_000) / 10,
        }
      : null,
    realtime: realtimeSeen
      ? { refreshes_per_minute: perMinute(refreshed), failed_per_minute: perMinute(failed) }
      : null,
    targets,
  };
}
