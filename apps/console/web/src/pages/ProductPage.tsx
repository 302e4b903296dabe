import type { ProductView } from '@nextbuy/contracts';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useParams } from 'react-router-dom';
import { ingestion, serving } from '../api';
import { LazyChart } from '../charts/LazyChart';
import { IdSearch } from '../components/IdSearch';
import { ItemList } from '../components/ItemList';
import { ErrorNote, Loading } from '../components/status';
import { popularitySeries } from '../shaping/history';
import { formatCount } from '../shaping/time';

/** A quarter of daily activity, up to the product's newest event. */
const POPULARITY_DAYS = 90;
const LIST_LENGTH = 10;

export default function ProductPage() {
  const { id } = useParams();
  return (
    <>
      <h1>Product{id ? ` ${id}` : ''}</h1>
      <IdSearch base="products" label="Product id" initial={id} key={id} />
      {id && <Product id={id} />}
    </>
  );
}

function Product({ id }: { id: string }) {
  const product = useQuery({
    queryKey: ['product', id],
    queryFn: () => ingestion.product(id, { days: POPULARITY_DAYS }),
  });
  const similar = useQuery({
    queryKey: ['product', id, 'similar'],
    queryFn: () => serving.similar(id, { limit: LIST_LENGTH }),
  });
  const together = useQuery({
    queryKey: ['product', id, 'together'],
    queryFn: () => serving.boughtTogether(id, { limit: LIST_LENGTH }),
  });
  if (product.isPending) return <Loading what={`product ${id}`} />;
  if (product.isError) return <ErrorNote error={product.error} />;
  const p = product.data;
  return (
    <>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{p.name ?? '—'}</dd>
        <dt>Category</dt>
        <dd>{p.category ?? '—'}</dd>
        <dt>Brand</dt>
        <dd>{p.brand ?? '—'}</dd>
        <dt>Price</dt>
        <dd>{p.price ?? '—'}</dd>
        <dt>Available</dt>
        <dd>{p.available ? 'yes' : 'no'}</dd>
        <dt>Events</dt>
        <dd>
          {Object.entries(p.event_counts)
            .map(([type, n]) => `${formatCount(n)} ${type}`)
            .join(', ') || 'none'}
        </dd>
      </dl>
      <section aria-labelledby="pop-h">
        <h2 id="pop-h">Popularity over time</h2>
        <PopularityChart product={p} />
      </section>
      <div className="columns">
        <section aria-labelledby="similar-h">
          <h2 id="similar-h">Similar products</h2>
          {similar.isError ? (
            <ErrorNote error={similar.error} />
          ) : similar.data ? (
            <ItemList items={similar.data.items} label="Similar products" />
          ) : (
            <Loading what="similar products" />
          )}
        </section>
        <section aria-labelledby="together-h">
          <h2 id="together-h">Bought together</h2>
          {together.isError ? (
            <ErrorNote error={together.error} />
          ) : together.data ? (
            <ItemList items={together.data.items} label="Bought together" />
          ) : (
            <Loading what="bought-together products" />
          )}
        </section>
      </div>
    </>
  );
}

function PopularityChart({ product }: { product: ProductView }) {
  const option = useMemo(() => {
    const { days, series } = popularitySeries(product.popularity);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 24, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: days },
      yAxis: { type: 'value', minInterval: 1 },
      series: series.map((s) => ({ type: 'bar', stack: 'events', name: s.type, data: s.values })),
    };
  }, [product]);
  if (product.popularity.length === 0) return <p>No events for this product.</p>;
  return (
    <>
      <p className="muted">Daily events over its last {POPULARITY_DAYS} days of activity.</p>
      <LazyChart
        option={option}
        label={`Daily events of ${product.name ?? product.product_id} by type`}
        testId="popularity-chart"
      />
    </>
  );
}
