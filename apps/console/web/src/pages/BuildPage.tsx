import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ingestion } from '../api';
import { BuildStatus } from '../components/BuildStatus';
import { Confirm } from '../components/Confirm';
import { ErrorNote, Loading } from '../components/status';
import { REFRESH } from '../live';
import { useRollback } from '../mutations';
import { useSession } from '../session';
import { buildTimeline, canRollBack, inFlight } from '../shaping/builds';
import { formatCount, formatDuration, formatTime } from '../shaping/time';

/** One build: its stages as a timeline (when each ran, on which worker), counts, and its error. */
export default function BuildPage() {
  const { id = '' } = useParams();
  const { isAdmin } = useSession();
  const [confirming, setConfirming] = useState(false);
  const rollback = useRollback();
  const build = useQuery({
    queryKey: ['builds', id],
    queryFn: () => ingestion.rebuild(id),
    refetchInterval: (q) => (q.state.data && inFlight(q.state.data) ? REFRESH.buildInFlight : REFRESH.builds),
  });

  if (build.isPending) return <Loading what={`build #${id}`} />;
  if (build.isError) return <ErrorNote error={build.error} />;
  const b = build.data;
  const { rows, spanMs } = buildTimeline(b, Date.now());

  return (
    <>
      <p>
        <Link to="/builds">← Builds</Link>
      </p>
      <h1>
        Build #{b.build_id} <BuildStatus build={b} />
      </h1>
      <p data-testid="build-status" data-status={b.status}>
        {b.status === 'published' || b.status === 'superseded'
          ? `Published, ${b.seconds === null ? '' : `took ${formatDuration(b.seconds * 1000)}`}`
          : b.status === 'failed'
            ? 'Failed: the previous build kept serving.'
            : `${b.status}…`}{' '}
        Trigger {b.trigger}; data as of {formatTime(b.as_of)}; created {formatTime(b.created_at)}.
      </p>
      {b.error && (
        <p className="error" role="alert">
          {b.error}
        </p>
      )}
      {isAdmin && canRollBack(b) && (
        <p>
          <button type="button" onClick={() => setConfirming(true)}>
            Roll back to this build
          </button>
        </p>
      )}
      {rollback.isError && <ErrorNote error={rollback.error} />}

      <h2>Stages</h2>
      <table className="timeline">
        <caption className="sr-only">Stages by start time; bars show when each ran within the build</caption>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col" className="num">
              Took
            </th>
            <th scope="col">Worker</th>
            <th scope="col" className="bar-col">
              When
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.stage} data-stage={r.stage} data-status={r.status}>
              <th scope="row">{r.stage}</th>
              <td>
                <span className={`badge badge-stage-${r.status}`}>
                  {r.status}
                  {r.status === 'running' ? ` ${Math.round(r.progress * 100)} %` : ''}
                </span>
              </td>
              <td>{formatTime(r.startedAt)}</td>
              <td className="num">{r.durationMs === null ? '—' : formatDuration(r.durationMs)}</td>
              <td>{r.worker}</td>
              <td className="bar-col">
                {r.offsetMs !== null && (
                  <div className="track" aria-hidden="true">
                    <div
                      className={`bar bar-${r.status}`}
                      style={{
                        marginLeft: `${(r.offsetMs / spanMs) * 100}%`,
                        width: `${Math.max(0.5, ((r.durationMs ?? 0) / spanMs) * 100)}%`,
                      }}
                    />
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {Object.keys(b.counts).length > 0 && (
        <>
          <h2>Counts</h2>
          <dl className="facts">
            {Object.entries(b.counts).map(([name, n]) => (
              <div key={name}>
                <dt>{name.replace(/_/g, ' ')}</dt>
                <dd>{formatCount(n)}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
      <Confirm
        open={confirming}
        title={`Roll back to build #${b.build_id}?`}
        confirmLabel="Roll back"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          rollback.mutate(b.build_id);
          setConfirming(false);
        }}
      >
        <p>Serving switches to this build's lists at once.</p>
      </Confirm>
    </>
  );
}
