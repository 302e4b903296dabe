import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { currentSession, ingestion } from './api';
import { App } from './App';
import './styles.css';

const queries = new QueryClient({
  defaultOptions: {
    // A 4xx is an answer (unknown customer, wrong scope): retrying it only delays the message.
    queries: { retry: false, refetchOnWindowFocus: true },
  },
});

// While React boots, ask who is signed in and, on the overview, fetch its chunk and its data: the
// first load is then one round trip after the bundle instead of three in a row.
void queries.prefetchQuery({ queryKey: ['session'], queryFn: currentSession, staleTime: Infinity });
if (location.pathname === '/') {
  void import('./pages/OverviewPage');
  void queries.prefetchQuery({ queryKey: ['status'], queryFn: () => ingestion.status() });
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
