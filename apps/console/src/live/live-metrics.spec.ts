import { histogramQuantile, parseMetrics, summarise, type Scrape } from './live-metrics';

/** What prom-client prints: `le` first, then the labels, `app` last. */
function servingText(route: string, buckets: Record<string, number>, extra = '') {
  const count = buckets['+Inf']!;
  const lines = Object.entries(buckets).map(
    ([le, n]) =>
      `http_request_duration_seconds_bucket{le="${le}",method="GET",route="${route}",status_code="200",app="serving"} ${n}`,
  );
  return [
    '# HELP http_request_duration_seconds HTTP request duration in seconds',
    '# TYPE http_request_duration_seconds histogram',
    ...lines,
    `http_request_duration_seconds_sum{method="GET",route="${route}",status_code="200",app="serving"} 1`,
    `http_request_duration_seconds_count{method="GET",route="${route}",status_code="200",app="serving"} ${count}`,
    extra,
  ].join('\n');
}

const refreshesText = (refreshed: number, failed: number) =>
  [
    '# HELP nextbuy_realtime_refreshes_total Real-time refreshes of customer lists, by outcome',
    '# TYPE nextbuy_realtime_refreshes_total counter',
    `nextbuy_realtime_refreshes_total{outcome="refreshed",app="candidates"} ${refreshed}`,
    `nextbuy_realtime_refreshes_total{outcome="failed",app="candidates"} ${failed}`,
  ].join('\n');

const scrape = async (url: string, at: number, text: string | null): Promise<Scrape> => ({
  url,
  at,
  metrics: text === null ? null : await parseMetrics(text),
  ...(text === null ? { error: 'connect ECONNREFUSED' } : {}),
});

describe('histogramQuantile', () => {
  it('interpolates inside the bucket where the quantile falls, like Prometheus', () => {
    // 100 observations: 90 under 10 ms, 10 between 10 and 50 ms.
    const buckets = new Map([
      [0.01, 90],
      [0.05, 100],
      [Infinity, 100],
    ]);
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.01 + 0.04 * (9 / 10));
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01 * (50 / 90));
  });

  it('answers the highest finite bound when the quantile is in +Inf, and null without observations', () => {
    expect(
      histogramQuantile(
        0.99,
        new Map([
          [0.1, 0],
          [Infinity, 5],
        ]),
      ),
    ).toBe(0.1);
    expect(
      histogramQuantile(
        0.99,
        new Map([
          [0.1, 0],
          [Infinity, 0],
        ]),
      ),
    ).toBeNull();
  });
});

describe('summarise', () => {
  const SERVING = 'http://s/metrics';
  const REALTIME = 'http://r/metrics';

  it('turns two scrapes a minute apart into requests per minute and p99 of serving traffic only', async () => {
    const scrapes = [
      await scrape(
        SERVING,
        0,
        servingText('/v1/customers/:id/recommendations', { '0.005': 10, '0.01': 10, '+Inf': 10 }) +
          servingText('/metrics', { '0.005': 50, '0.01': 50, '+Inf': 50 }),
      ),
      await scrape(
        SERVING,
        60_000,
        // 100 more requests: 98 under 5 ms, 2 between 5 and 10 ms; /metrics does not count.
        servingText('/v1/customers/:id/recommendations', { '0.005': 108, '0.01': 110, '+Inf': 110 }) +
          servingText('/metrics', { '0.005': 62, '0.01': 62, '+Inf': 62 }),
      ),
    ];
    const live = summarise(scrapes);
    expect(live.window_seconds).toBe(60);
    expect(live.serving).toEqual({ requests_per_minute: 100, p99_ms: 7.5 });
    expect(live.realtime).toBeNull();
    expect(live.targets).toEqual([{ url: SERVING, up: true }]);
  });

  it('counts real-time refreshes and failures per minute, surviving a restart of the process', async () => {
    const live = summarise([
      await scrape(REALTIME, 0, refreshesText(100, 1)),
      // Restarted: the counter starts again from 0 and reached 30.
      await scrape(REALTIME, 30_000, refreshesText(30, 0)),
    ]);
    expect(live.realtime).toEqual({ refreshes_per_minute: 60, failed_per_minute: 0 });
  });

  it('reports a target that stopped answering, and nothing to rate from a single scrape', async () => {
    const live = summarise([
      await scrape(SERVING, 0, servingText('/v1/x', { '+Inf': 1 })),
      await scrape(SERVING, 5000, null),
      await scrape(REALTIME, 5000, refreshesText(1, 0)),
    ]);
    expect(live.targets).toEqual([
      { url: SERVING, up: false, error: 'connect ECONNREFUSED' },
      { url: REALTIME, up: true },
    ]);
    expect(live).toMatchObject({ window_seconds: 0, serving: null, realtime: null });
  });
});
