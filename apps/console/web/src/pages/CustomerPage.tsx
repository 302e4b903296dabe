import type { HistoryEvent, RecommendationsResponse } from '@nextbuy/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ingestion, serving } from '../api';
import { LazyChart } from '../charts/LazyChart';
import { IdSearch } from '../components/IdSearch';
import { ItemList } from '../components/ItemList';
import { ErrorNote, Loading } from '../components/status';
import { REFRESH, WHAT_IF_WAIT_MS } from '../live';
import { useSession } from '../session';
import { listChanges } from '../shaping/attribution';
import { historyLanes } from '../shaping/history';
import { formatCount, formatPercent, formatTime } from '../shaping/time';

/** A list long enough to see a what-if product arrive from below the fold. */
const LIST_LENGTH = 12;
/** Events drawn on the timeline (newest first from the API). */
const HISTORY_EVENTS = 500;
const SIMILAR_CUSTOMERS = 10;

export default function CustomerPage() {
  const { id } = useParams();
  return (
    <>
      <h1>Customer{id ? ` ${id}` : ''}</h1>
      <IdSearch base="customers" label="Customer id" initial={id} key={id} />
      {id && <Customer id={id} />}
    </>
  );
}

interface WhatIf {
  before: RecommendationsResponse;
  product: string;
  type: 'view' | 'cart_add';
  deadline: number;
}

function Customer({ id }: { id: string }) {
  const { isAdmin } = useSession();
  const queryClient = useQueryClient();
  const [whatIf, setWhatIf] = useState<WhatIf | null>(null);
  const watching = whatIf !== null && Date.now() < whatIf.deadline;

  const customer = useQuery({ queryKey: ['customer', id], queryFn: () => ingestion.customer(id) });
  const list = useQuery({
    queryKey: ['customer', id, 'list'],
    queryFn: () => serving.recommendations(id, { limit: LIST_LENGTH }),
    refetchInterval: watching ? REFRESH.whatIf : false,
  });
  const history = useQuery({
    queryKey: ['customer', id, 'events'],
    queryFn: () => ingestion.customerEvents(id, { limit: HISTORY_EVENTS }),
    enabled: customer.isSuccess,
  });
  const similar = useQuery({
    queryKey: ['customer', id, 'similar'],
    queryFn: () => ingestion.similarCustomers(id, { limit: SIMILAR_CUSTOMERS }),
    enabled: customer.isSuccess,
  });

  const changes = useMemo(
    () => (whatIf && list.data ? listChanges(whatIf.before.items, list.data.items) : null),
    [whatIf, list.data],
  );
  const arrived = whatIf !== null && (list.data?.items.some((i) => i.product_id === whatIf.product) ?? false);
  const changed = changes !== null && (changes.entered.size > 0 || changes.moved.size > 0);

  // Stop polling once the list moved, or when the wait is over.
  useEffect(() => {
    if (!whatIf) return;
    if (changed && arrived) setWhatIf({ ...whatIf, deadline: 0 });
    const left = whatIf.deadline - Date.now();
    if (left <= 0) return;
    const timer = setTimeout(() => setWhatIf((w) => (w ? { ...w } : w)), left);
    return () => clearTimeout(timer);
  }, [whatIf, changed, arrived]);

  if (customer.isError) return <ErrorNote error={customer.error} />;

  return (
    <>
      {customer.data && (
        <dl className="facts">
          <dt>Segment</dt>
          <dd>{customer.data.segment ?? '—'}</dd>
          <dt>Signed up</dt>
          <dd>{formatTime(customer.data.signup_date)}</dd>
          <dt>History</dt>
          <dd>
            {Object.entries(customer.data.event_counts)
              .map(([type, n]) => `${formatCount(n)} ${type}`)
              .join(', ') || 'no events'}{' '}
            ({formatTime(customer.data.first_event_at)} – {formatTime(customer.data.last_event_at)})
          </dd>
        </dl>
      )}

      <div className="columns">
        <section aria-labelledby="list-h">
          <h2 id="list-h">Their list, and why</h2>
          {list.isPending ? (
            <Loading what="the list" />
          ) : list.isError ? (
            <ErrorNote error={list.error} />
          ) : (
            <>
              <p className="muted">
                Build #{list.data.build_id}, variant {list.data.variant}.
              </p>
              <ItemList
                items={list.data.items}
                label={`Recommendations for ${id}`}
                highlight={changes?.entered}
              />
            </>
          )}
        </section>
        <div>
          {isAdmin && list.data && (
            <WhatIfPanel
              customer={id}
              suggestions={history.data?.events ?? []}
              onPosted={(product, type) => {
                setWhatIf({ before: list.data, product, type, deadline: Date.now() + WHAT_IF_WAIT_MS });
                // The event is stored: the facts and the history show it now.
                void queryClient.invalidateQueries({ queryKey: ['customer', id], exact: true });
                void queryClient.invalidateQueries({ queryKey: ['customer', id, 'events'] });
              }}
            />
          )}
          {whatIf && (
            <p role="status" data-testid="what-if-result">
              {arrived && changed
                ? `After the ${whatIf.type} of ${whatIf.product}, the list changed: ${changes.entered.size} new, ${changes.moved.size} moved.`
                : watching
                  ? `Waiting for the list to change after the ${whatIf.type} of ${whatIf.product}…`
                  : `The list did not take in ${whatIf.product} within ${WHAT_IF_WAIT_MS / 1000} s.`}
            </p>
          )}
          <section aria-labelledby="similar-h">
            <h2 id="similar-h">Similar customers</h2>
            <p className="muted">Who bought the most of the same products (overlap of distinct purchases).</p>
            {similar.isError ? (
              <ErrorNote error={similar.error} />
            ) : similar.data?.customers.length === 0 ? (
              <p>No customer shares a purchase with them.</p>
            ) : (
              <ul>
                {similar.data?.customers.map((c) => (
                  <li key={c.customer_id}>
                    <Link to={`/customers/${encodeURIComponent(c.customer_id)}`}>{c.customer_id}</Link>:{' '}
                    {c.shared_products} shared, {formatPercent(c.similarity)} overlap
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </div>

      <section aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        {history.isError ? (
          <ErrorNote error={history.error} />
        ) : history.data ? (
          <HistoryChart events={history.data.events} />
        ) : (
          <Loading what="the history" />
        )}
      </section>
    </>
  );
}

function HistoryChart({ events }: { events: HistoryEvent[] }) {
  const option = useMemo(() => {
    const { types, points } = historyLanes(events);
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesName: string; value: [number, string, number, string] }) =>
          `${p.seriesName} ${p.value[3]} (${p.value[1]}), ${new Date(p.value[0]).toISOString().slice(0, 16).replace('T', ' ')}`,
      },
      grid: { left: 96, right: 24, top: 16, bottom: 56 },
      xAxis: { type: 'time' },
      yAxis: { type: 'category', data: [...types] },
      dataZoom: [{ type: 'slider', bottom: 8 }],
      series: types.map((type) => ({
        type: 'scatter',
        name: type,
        symbolSize: 9,
        data: points[type].map(([t, product, name]) => [t, type, product, name]),
        encode: { x: 0, y: 1 },
      })),
    };
  }, [events]);
  if (events.length === 0) return <p>No events.</p>;
  return (
    <>
      <p className="muted">The newest {formatCount(events.length)} events, by type.</p>
      <LazyChart
        option={option}
        label="The customer's events over time, one lane per event type"
        testId="history-chart"
      />
    </>
  );
}

function WhatIfPanel({
  customer,
  suggestions,
  onPosted,
}: {
  customer: string;
  suggestions: HistoryEvent[];
  onPosted(product: string, type: 'view' | 'cart_add'): void;
}) {
  const [product, setProduct] = useState('');
  const [type, setType] = useState<'view' | 'cart_add'>('cart_add');
  const post = useMutation({
    mutationFn: () =>
      ingestion.sendEvents([
        { customer_id: customer, product_id: product.trim(), type, timestamp: new Date().toISOString() },
      ]),
    onSuccess: (answer) => {
      if (answer.rejected.length === 0) onPosted(product.trim(), type);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    post.mutate();
  };
  const products = [...new Set(suggestions.map((e) => e.product_id))].slice(0, 50);
  return (
    <section aria-labelledby="whatif-h" className="panel">
      <h2 id="whatif-h">What if</h2>
      <p className="muted">Posts a real event for this customer; the list refreshes in real time.</p>
      <form onSubmit={submit}>
        <label htmlFor="whatif-product">Product id</label>
        <input
          id="whatif-product"
          list="whatif-products"
          value={product}
          onChange={(e) => setProduct(e.target.value)}
          required
        />
        <datalist id="whatif-products">
          {products.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <fieldset>
          <legend>Event</legend>
          <label>
            <input
              type="radio"
              name="whatif-type"
              checked={type === 'view'}
              onChange={() => setType('view')}
            />{' '}
            view
          </label>
          <label>
            <input
              type="radio"
              name="whatif-type"
              checked={type === 'cart_add'}
              onChange={() => setType('cart_add')}
            />{' '}
            cart_add
          </label>
        </fieldset>
        <button type="submit" className="primary" disabled={post.isPending}>
          Post event
        </button>
      </form>
      {post.isError && <ErrorNote error={post.error} />}
      {post.data && post.data.rejected.length > 0 && (
        <p className="error" role="alert">
          Rejected: {post.data.rejected[0]!.errors.join('; ')}
        </p>
      )}
    </section>
  );
}
