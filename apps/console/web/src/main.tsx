import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { currentSession, ingestion, liveFigures } from './api';
import { App, OverviewPage } from './App';
import './styles.css';

const queries = new QueryClient({
  defaultOptions: {
    // A 4xx is an answer (unknown customer, wrong scope): retrying it only delays the message.
    queries: { retry: false, refetchOnWindowFocus: true },
  },
});

// While React boots, ask who is signed in and, on the overview, fetch its chunk and its data: the
// first load is then one round trip after the bundle instead of three in a row. The calls take the
// responses index.html's inline script asked for while the bundle downloaded (api.ts, earlyFetch),
// and the overview's chunks were preloaded beside the bundle (vite.config.mts): usually nothing is
// left to wait for.
void queries.prefetchQuery({ queryKey: ['session'], queryFn: currentSession, staleTime: Infinity });
if (location.pathname === '/') {
  void OverviewPage.preload();
  void queries.prefetchQuery({ queryKey: ['status'], queryFn: () => ingestion.status() });
  // Takes index.html's early response now: one left for later would be stale (a 401 before sign-in).
  void queries.prefetchQuery({ queryKey: ['live'], queryFn: liveFigures });
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
