import { collectDefaultMetrics, Histogram, register } from 'prom-client';

export const HTTP_DURATION_METRIC = 'http_request_duration_seconds';
/** Storefront calls should take milliseconds; batch ingestion up to seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * prom-client keeps one registry per process and refuses a metric registered twice, while tests
 * boot several apps in one process: everything here is get-or-create.
 */
export function httpRequestDuration(): Histogram<'method' | 'route' | 'status_code'> {
  const existing = register.getSingleMetric(HTTP_DURATION_METRIC);
  if (existing) return existing as Histogram<'method' | 'route' | 'status_code'>;
  return new Histogram({
    name: HTTP_DURATION_METRIC,
    help: 'HTTP request duration in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: DURATION_BUCKETS,
  });
}

export function ensureDefaultMetrics(app: string): void {
  register.setDefaultLabels({ app });
  if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
}

interface HookHost {
  addHook(
    name: 'onResponse',
    hook: (
      request: { method: string; routeOptions?: { url?: string } },
      reply: { statusCode: number; elapsedTime: number },
      done: () => void,
    ) => void,
  ): unknown;
}

/**
 * Observes every response, including Fastify's own (404s, body errors), labelled by route pattern
 * (`/v1/customers/:id/…`, never the raw URL, so label cardinality stays bounded).
 */
export function observeHttpRequests(fastify: HookHost): void {
  const histogram = httpRequestDuration();
  fastify.addHook('onResponse', (request, reply, done) => {
    histogram.observe(
      {
        method: request.method,
        route: request.routeOptions?.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
