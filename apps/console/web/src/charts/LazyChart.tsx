import { lazy, Suspense, type ComponentProps } from 'react';

// ECharts is a chunk of its own: fetched when a page first draws a chart, never by the others.
const Chart = lazy(() => import('./Chart'));

export function LazyChart(props: ComponentProps<typeof Chart>) {
  return (
    <Suspense
      fallback={
        <div className="chart muted" style={{ height: props.height ?? 320 }} role="status">
          Loading chart…
        </div>
      }
    >
      <Chart {...props} />
    </Suspense>
  );
}
