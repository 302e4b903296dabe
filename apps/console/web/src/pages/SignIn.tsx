import type { KeyView } from '@nextbuy/contracts';
import { useState, type FormEvent } from 'react';
import { errorMessage, signIn } from '../api';

/** Sign-in with an API key: checked by ingestion, then kept by the server in an HttpOnly cookie. */
export function SignIn({ onSignedIn }: { onSignedIn(key: KeyView): void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    signIn(key)
      .then(onSignedIn)
      .catch((err: unknown) => setError(errorMessage(err)))
      .finally(() => setBusy(false));
  };

  return (
    <main id="main" className="signin">
      <h1>nextbuy console</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
          autoFocus
        />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        <p id="signin-help" className="muted">
          An <code>ops</code> key sees everything, read-only; an <code>admin</code> key can also rebuild,
          train and activate models, roll back, start backtests and experiments, and post what-if events. A
          storefront's <code>read</code> key cannot sign in.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
