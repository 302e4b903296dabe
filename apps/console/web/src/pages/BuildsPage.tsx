import type { BuildView } from '@nextbuy/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ingestion } from '../api';
import { BuildStatus } from '../components/BuildStatus';
import { Confirm } from '../components/Confirm';
import { ErrorNote, Loading } from '../components/status';
import { REFRESH } from '../live';
import { useRollback } from '../mutations';
import { useSession } from '../session';
import { canRollBack, inFlight } from '../shaping/builds';
import { ageOf, formatDuration, formatTime } from '../shaping/time';

/** How many recent builds the list shows. */
const LISTED_BUILDS = 30;

export default function BuildsPage() {
  const { isAdmin } = useSession();
  const navigate = useNavigate();
  const [confirm, setConfirm] = useState<{ kind: 'rebuild' } | { kind: 'rollback'; build: BuildView } | null>(
    null,
  );
  const builds = useQuery({
    queryKey: ['builds'],
    queryFn: () => ingestion.rebuilds({ limit: LISTED_BUILDS }),
    refetchInterval: (q) => (q.state.data?.some(inFlight) ? REFRESH.buildInFlight : REFRESH.builds),
  });
  const rebuild = useMutation({
    mutationFn: () => ingestion.triggerRebuild(),
    onSuccess: ({ build_id }) => navigate(`/builds/${build_id}`),
  });
  const rollback = useRollback();
  const now = Date.now();

  return (
    <>
      <h1>Builds</h1>
      {isAdmin && (
        <p>
          <button type="button" className="primary" onClick={() => setConfirm({ kind: 'rebuild' })}>
            Rebuild now
          </button>
        </p>
      )}
      {rebuild.isError && <ErrorNote error={rebuild.error} />}
      {rollback.isError && <ErrorNote error={rollback.error} />}
      {rollback.isSuccess && (
        <p role="status">
          Build #{rollback.data.build.build_id} is active again
          {rollback.data.replaced ? ` (build #${rollback.data.replaced} is superseded)` : ''}.
        </p>
      )}
      {builds.isPending ? (
        <Loading what="the builds" />
      ) : builds.isError ? (
        <ErrorNote error={builds.error} />
      ) : builds.data.length === 0 ? (
        <p>No builds yet.</p>
      ) : (
        <table>
          <caption className="sr-only">Recent builds, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Build</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Data as of</th>
              <th scope="col">Created</th>
              <th scope="col" className="num">
                Took
              </th>
              <th scope="col">Error</th>
              {isAdmin && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {builds.data.map((b) => (
              <tr key={b.build_id}>
                <th scope="row">
                  <Link to={`/builds/${b.build_id}`}>#{b.build_id}</Link>
                </th>
                <td>
                  <BuildStatus build={b} />
                </td>
                <td>{b.trigger}</td>
                <td>{formatTime(b.as_of)}</td>
                <td>{ageOf(b.created_at, now)}</td>
                <td className="num">{b.seconds === null ? '—' : formatDuration(b.seconds * 1000)}</td>
                <td className="error-text">{b.error ?? ''}</td>
                {isAdmin && (
                  <td>
                    {canRollBack(b) && (
                      <button type="button" onClick={() => setConfirm({ kind: 'rollback', build: b })}>
                        Roll back to #{b.build_id}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Confirm
        open={confirm !== null}
        title={
          confirm?.kind === 'rollback' ? `Roll back to build #${confirm.build.build_id}?` : 'Start a rebuild?'
        }
        confirmLabel={confirm?.kind === 'rollback' ? 'Roll back' : 'Rebuild'}
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          if (confirm?.kind === 'rollback') rollback.mutate(confirm.build.build_id);
          else rebuild.mutate();
          setConfirm(null);
        }}
      >
        {confirm?.kind === 'rollback' ? (
          <p>
            Serving switches to this build's lists at once; the active build stays kept for rolling forward.
          </p>
        ) : (
          <p>
            A rebuild reads every event up to the newest one and publishes new lists when every stage is done;
            the active build keeps serving until then.
          </p>
        )}
      </Confirm>
    </>
  );
}
