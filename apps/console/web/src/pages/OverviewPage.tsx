import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { ingestion, liveFigures } from '../api';
import { BuildStatus } from '../components/BuildStatus';
import { ErrorNote, Loading } from '../components/status';
import { REFRESH } from '../live';
import { modelFittedAt } from '../shaping/builds';
import { ageOf, formatCount, formatTime } from '../shaping/time';

/** The page people open first: the store, the build serving it, the queues and live traffic. */
export default function OverviewPage() {
  const status = useQuery({
    queryKey: ['status'],
    queryFn: () => ingestion.status(),
    refetchInterval: REFRESH.overview,
  });
  const live = useQuery({ queryKey: ['live'], queryFn: liveFigures, refetchInterval: REFRESH.overview });
  const now = Date.now();

  if (status.isPending) return <Loading what="the overview" />;
  if (status.isError) return <ErrorNote error={status.error} />;
  const { counts, active_build: active, builds_in_flight: inFlight, queues } = status.data;
  const fitted = modelFittedAt(active);
  // An ingestion older than `estimated_counts` counts everything exactly.
  const estimated = new Set(status.data.estimated_counts ?? []);
  const count = (table: 'customers' | 'products' | 'events') =>
    `${estimated.has(table) ? '≈ ' : ''}${formatCount(counts[table])}`;

  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="store-h">
        <h2 id="store-h">Store</h2>
        <dl className="tiles">
          <div>
            <dt>Customers</dt>
            <dd data-testid="count-customers">{count('customers')}</dd>
          </div>
          <div>
            <dt>Products</dt>
            <dd>{count('products')}</dd>
          </div>
          <div>
            <dt>Events</dt>
            <dd>{count('events')}</dd>
          </div>
          <div>
            <dt>Events, last 24 h</dt>
            <dd>{formatCount(counts.events_24h)}</dd>
          </div>
          <div>
            <dt>Events, last 7 days</dt>
            <dd>{formatCount(counts.events_7d)}</dd>
          </div>
        </dl>
        {estimated.size > 0 && (
          <p className="muted">≈ Postgres&apos; estimate: a table this large is not counted row by row.</p>
        )}
      </section>

      <section aria-labelledby="serving-h">
        <h2 id="serving-h">What serves</h2>
        {active ? (
          <dl className="facts" data-testid="active-build">
            <dt>Active build</dt>
            <dd>
              <Link to={`/builds/${active.build_id}`}>#{active.build_id}</Link> <BuildStatus build={active} />{' '}
              published {ageOf(active.finished_at, now)}, data as of {formatTime(active.as_of)}
            </dd>
            <dt>Model</dt>
            <dd>
              {active.model_id
                ? `stored model #${active.model_id} (nextbuy models list)`
                : fitted
                  ? `the ranker fitted in build #${active.build_id}, ${ageOf(fitted, now)}`
                  : 'the active build records no ranker stage'}
            </dd>
          </dl>
        ) : (
          <p data-testid="active-build">No build is active yet: start one on the Builds page.</p>
        )}
        {inFlight.length > 0 && (
          <p>
            In flight:{' '}
            {inFlight.map((b) => (
              <span key={b.build_id}>
                <Link to={`/builds/${b.build_id}`}>#{b.build_id}</Link> <BuildStatus build={b} />{' '}
              </span>
            ))}
          </p>
        )}
      </section>

      <section aria-labelledby="live-h">
        <h2 id="live-h">Live</h2>
        {live.isError ? (
          <ErrorNote error={live.error} />
        ) : (
          <dl className="tiles">
            <div>
              <dt>Serving requests / min</dt>
              <dd>{live.data?.serving ? formatCount(live.data.serving.requests_per_minute) : '—'}</dd>
            </div>
            <div>
              <dt>Serving p99</dt>
              <dd>{live.data?.serving?.p99_ms != null ? `${live.data.serving.p99_ms} ms` : '—'}</dd>
            </div>
            <div>
              <dt>Real-time refreshes / min</dt>
              <dd>{live.data?.realtime ? formatCount(live.data.realtime.refreshes_per_minute) : '—'}</dd>
            </div>
          </dl>
        )}
        {live.data && (
          <p className="muted">
            Over the last {live.data.window_seconds} s of scrapes.{' '}
            {live.data.targets
              .filter((t) => !t.up)
              .map((t) => `${t.url} is not answering (${t.error ?? 'down'}). `)}
          </p>
        )}
      </section>

      <section aria-labelledby="queues-h">
        <h2 id="queues-h">Queues</h2>
        {queues ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                {Object.keys(Object.values(queues)[0] ?? {}).map((state) => (
                  <th scope="col" key={state} className="num">
                    {state}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.entries(queues).map(([name, states]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  {Object.entries(states).map(([state, n]) => (
                    <td key={state} className="num">
                      {formatCount(n)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>Queue depths are unavailable: Redis did not answer ingestion in time.</p>
        )}
      </section>
    </>
  );
}
