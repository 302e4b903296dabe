import { useSession } from '../session';

/** Bull Board lives in ingestion behind the admin key; the console forwards `/queues` with the sign-in cookie. */
export default function QueuesPage() {
  const { isAdmin } = useSession();
  return (
    <>
      <h1>Queues</h1>
      {isAdmin ? (
        <p>
          <a href="/queues/" className="button primary">
            Open Bull Board
          </a>{' '}
          jobs of every queue, their data, errors and retries. Queue depths are on the overview.
        </p>
      ) : (
        <p>
          Bull Board can retry and remove jobs, so it needs an admin key. Queue depths are on the overview.
        </p>
      )}
    </>
  );
}
