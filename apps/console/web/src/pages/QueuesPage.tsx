import { useSession } from '../session';

/**
 * Bull Board lives in ingestion: `/queues` (every action) behind the admin key, `/queues/view` (its
 * read-only mode) behind ops; the console forwards both with the sign-in cookie.
 */
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
          <a href="/queues/view/" className="button">
            View the queues
          </a>{' '}
          in Bull Board's read-only mode: jobs, their data and errors. Retrying and removing jobs needs an
          admin key. Queue depths are on the overview.
        </p>
      )}
    </>
  );
}
