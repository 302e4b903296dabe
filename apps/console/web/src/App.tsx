import type { KeyView } from '@nextbuy/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Suspense, useMemo } from 'react';
import { NavLink, Route, Routes } from 'react-router-dom';
import { currentSession, isStatus, signOut } from './api';
import { ErrorNote, Loading } from './components/status';
import { lazyPage } from './lazyPage';
import { SignIn } from './pages/SignIn';
import { SessionContext, type Session } from './session';

// Each page is its own chunk: the overview never downloads the chart library the others draw with.
// main.tsx preloads the overview's on a first load of `/` (its chunks are in index.html already).
export const OverviewPage = lazyPage(() => import('./pages/OverviewPage'));
const BuildsPage = lazyPage(() => import('./pages/BuildsPage'));
const BuildPage = lazyPage(() => import('./pages/BuildPage'));
const ModelsPage = lazyPage(() => import('./pages/ModelsPage'));
const ExperimentsPage = lazyPage(() => import('./pages/ExperimentsPage'));
const CustomerPage = lazyPage(() => import('./pages/CustomerPage'));
const ProductPage = lazyPage(() => import('./pages/ProductPage'));
const QueuesPage = lazyPage(() => import('./pages/QueuesPage'));

const NAV = [
  { to: '/', label: 'Overview', end: true },
  { to: '/builds', label: 'Builds' },
  { to: '/models', label: 'Models and evaluations' },
  { to: '/experiments', label: 'Experiments' },
  { to: '/customers', label: 'Customers' },
  { to: '/products', label: 'Products' },
  // Not /queues: that path is Bull Board itself, forwarded by the console server.
  { to: '/jobs', label: 'Queues' },
];

export function App() {
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: ['session'], queryFn: currentSession, staleTime: Infinity });
  const value = useMemo<Session | null>(
    () =>
      session.data
        ? {
            key: session.data,
            isAdmin: session.data.scope === 'admin',
            signOut: () => {
              void signOut().finally(() => {
                queryClient.clear();
                queryClient.setQueryData(['session'], null);
              });
            },
          }
        : null,
    [session.data, queryClient],
  );

  if (session.isPending) return <Loading what="the console" />;
  if (!value) {
    // 401: nobody signed in; 403: the cookie's key no longer covers ops (sign in with another).
    if (session.error && !isStatus(session.error, 401) && !isStatus(session.error, 403))
      return <ErrorNote error={session.error} />;
    return <SignIn onSignedIn={(key: KeyView) => queryClient.setQueryData(['session'], key)} />;
  }
  return (
    <SessionContext.Provider value={value}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">nextbuy console</span>
        <nav aria-label="Pages">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.end}>
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          key <code>{value.key.id}</code> ({value.key.scope}){' '}
          <button type="button" className="link" onClick={value.signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading what="the page" />}>
          <Routes>
            <Route path="/" element={<OverviewPage />} />
            <Route path="/builds" element={<BuildsPage />} />
            <Route path="/builds/:id" element={<BuildPage />} />
            <Route path="/models" element={<ModelsPage />} />
            <Route path="/models/:id" element={<ModelsPage />} />
            <Route path="/experiments" element={<ExperimentsPage />} />
            <Route path="/experiments/:id" element={<ExperimentsPage />} />
            <Route path="/customers" element={<CustomerPage />} />
            <Route path="/customers/:id" element={<CustomerPage />} />
            <Route path="/products" element={<ProductPage />} />
            <Route path="/products/:id" element={<ProductPage />} />
            <Route path="/jobs" element={<QueuesPage />} />
            <Route path="*" element={<p>No such page.</p>} />
          </Routes>
        </Suspense>
      </main>
    </SessionContext.Provider>
  );
}
