import type { CreateExperimentRequest, ExperimentReport } from '@nextbuy/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { serving } from '../api';
import { LazyChart } from '../charts/LazyChart';
import { ErrorNote, Loading } from '../components/status';
import { REFRESH } from '../live';
import { useSession } from '../session';
import { DEFAULT_VARIANTS, RATES, reportSeries, type Breakdown, type RateKey } from '../shaping/experiments';
import { formatCount, formatPercent, formatTime } from '../shaping/time';

export default function ExperimentsPage() {
  const { id } = useParams();
  const { isAdmin } = useSession();
  const experiments = useQuery({
    queryKey: ['experiments'],
    queryFn: () => serving.experiments(),
    refetchInterval: REFRESH.experiments,
  });

  return (
    <>
      <h1>Experiments</h1>
      {isAdmin && <CreateExperiment />}
      {experiments.isPending ? (
        <Loading what="the experiments" />
      ) : experiments.isError ? (
        <ErrorNote error={experiments.error} />
      ) : experiments.data.length === 0 ? (
        <p>No experiments yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Experiment</th>
              <th scope="col">Status</th>
              <th scope="col">Variants</th>
              <th scope="col">Started</th>
              <th scope="col">Stopped</th>
            </tr>
          </thead>
          <tbody>
            {experiments.data.map((e) => (
              <tr key={e.experiment_id} aria-current={e.experiment_id === id ? 'page' : undefined}>
                <th scope="row">
                  <Link to={`/experiments/${e.experiment_id}`}>{e.name}</Link>
                </th>
                <td>{e.status}</td>
                <td>{e.variants.map((v) => `${v.name} ${formatPercent(v.share)}`).join(', ')}</td>
                <td>{formatTime(e.started_at)}</td>
                <td>{formatTime(e.stopped_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {id && <Experiment id={id} />}
    </>
  );
}

function CreateExperiment() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [variants, setVariants] = useState(JSON.stringify(DEFAULT_VARIANTS, null, 2));
  const [parseError, setParseError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (input: CreateExperimentRequest) => serving.createExperiment(input),
    onSuccess: (e) => {
      void queryClient.invalidateQueries({ queryKey: ['experiments'] });
      void navigate(`/experiments/${e.experiment_id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(variants);
    } catch (err) {
      setParseError(`Variants are not valid JSON: ${(err as Error).message}`);
      return;
    }
    setParseError(null);
    create.mutate({ name, variants: parsed as CreateExperimentRequest['variants'] });
  };
  return (
    <details className="panel">
      <summary>New experiment</summary>
      <form onSubmit={submit}>
        <label htmlFor="exp-name">Name</label>
        <input id="exp-name" value={name} onChange={(e) => setName(e.target.value)} required />
        <label htmlFor="exp-variants">Variants (JSON: name, share, config)</label>
        <textarea
          id="exp-variants"
          rows={8}
          value={variants}
          onChange={(e) => setVariants(e.target.value)}
          spellCheck={false}
        />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create draft
        </button>
        {parseError && (
          <p className="error" role="alert">
            {parseError}
          </p>
        )}
        {create.isError && <ErrorNote error={create.error} />}
      </form>
    </details>
  );
}

function Experiment({ id }: { id: string }) {
  const { isAdmin } = useSession();
  const queryClient = useQueryClient();
  const [rate, setRate] = useState<RateKey>('ctr');
  const [by, setBy] = useState<Breakdown>('variant');
  const report = useQuery({
    queryKey: ['experiments', id, 'report'],
    queryFn: () => serving.experimentReport(id),
    refetchInterval: REFRESH.experiments,
  });
  const change = useMutation({
    mutationFn: (action: 'start' | 'stop') =>
      action === 'start' ? serving.startExperiment(id) : serving.stopExperiment(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['experiments'] }),
  });

  if (report.isPending) return <Loading what={`experiment ${id}`} />;
  if (report.isError) return <ErrorNote error={report.error} />;
  const { experiment } = report.data;

  return (
    <section aria-labelledby="exp-h">
      <h2 id="exp-h">
        {experiment.name} <span className={`badge badge-exp-${experiment.status}`}>{experiment.status}</span>
      </h2>
      {isAdmin && experiment.status === 'draft' && (
        <button type="button" className="primary" onClick={() => change.mutate('start')}>
          Start experiment
        </button>
      )}
      {isAdmin && experiment.status === 'running' && (
        <button type="button" onClick={() => change.mutate('stop')}>
          Stop experiment
        </button>
      )}
      {change.isError && <ErrorNote error={change.error} />}
      <div className="controls">
        <label>
          Rate{' '}
          <select value={rate} onChange={(e) => setRate(e.target.value as RateKey)}>
            {RATES.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          By{' '}
          <select value={by} onChange={(e) => setBy(e.target.value as Breakdown)}>
            <option value="variant">variant</option>
            <option value="strategy">strategy</option>
            <option value="position">position</option>
          </select>
        </label>
      </div>
      <ReportChart report={report.data} rate={rate} by={by} />
      <table>
        <caption>Funnel per variant (95 % Wilson intervals in brackets)</caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col" className="num">
              Answers
            </th>
            <th scope="col" className="num">
              Shown
            </th>
            {RATES.map((r) => (
              <th scope="col" className="num" key={r.key}>
                {r.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.data.variants.map((v) => (
            <tr key={v.variant}>
              <th scope="row">{v.variant}</th>
              <td className="num">{formatCount(v.recommendations)}</td>
              <td className="num">{formatCount(v.impressions)}</td>
              {RATES.map((r) => {
                const x = v[r.key];
                return (
                  <td className="num" key={r.key}>
                    {x.rate === null
                      ? '—'
                      : `${formatPercent(x.rate, 1)} [${formatPercent(x.low!, 1)}, ${formatPercent(x.high!, 1)}]`}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** One error bar per point; the bars of a group sit side by side within the category's band. */
const BAND_FILL = 0.8;

function ReportChart({ report, rate, by }: { report: ExperimentReport; rate: RateKey; by: Breakdown }) {
  const option = useMemo(() => {
    const { categories, series } = reportSeries(report, rate, by);
    const n = series.length;
    return {
      legend: n > 1 ? { top: 0 } : undefined,
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesName: string; name: string; value: (number | null)[] }) => {
          const [, r, low, high, shown] = p.value;
          return r == null
            ? `${p.seriesName}: nothing shown`
            : `${p.seriesName} ${categories[p.value[0]!] ?? ''}: ${formatPercent(r, 2)} (95 %: ${formatPercent(low!, 2)}–${formatPercent(high!, 2)}, ${shown} shown)`;
        },
      },
      grid: { left: 64, right: 24, top: n > 1 ? 40 : 16, bottom: 40 },
      xAxis: { type: 'category', data: categories },
      yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => formatPercent(v, 1) } },
      series: series.map((s, i) => ({
        type: 'custom',
        name: s.name,
        encode: { x: 0, y: [1, 2, 3] },
        data: s.points.map((p, c) => [c, p.rate, p.low, p.high, p.impressions]),
        renderItem: (
          _params: unknown,
          api: {
            value(dim: number): number;
            coord(point: number[]): number[];
            size(value: number[]): number[];
            visual(key: string): string;
          },
        ) => {
          const r = api.value(1);
          if (r === null || Number.isNaN(r)) return null;
          const c = api.value(0);
          const width = (api.size([1, 0])[0]! * BAND_FILL) / n;
          const [x0, y0] = api.coord([c, 0]);
          const x = x0! + (i - (n - 1) / 2) * width;
          const top = api.coord([c, r])[1]!;
          const low = api.coord([c, api.value(2)])[1]!;
          const high = api.coord([c, api.value(3)])[1]!;
          const cap = width / 4;
          const stroke = { stroke: '#1f2328', lineWidth: 1.5 };
          return {
            type: 'group',
            children: [
              {
                type: 'rect',
                shape: { x: x - width * 0.4, y: top, width: width * 0.8, height: y0! - top },
                style: { fill: api.visual('color') },
              },
              { type: 'line', shape: { x1: x, y1: low, x2: x, y2: high }, style: stroke },
              { type: 'line', shape: { x1: x - cap, y1: low, x2: x + cap, y2: low }, style: stroke },
              { type: 'line', shape: { x1: x - cap, y1: high, x2: x + cap, y2: high }, style: stroke },
            ],
          };
        },
      })),
    };
  }, [report, rate, by]);
  return (
    <LazyChart
      option={option}
      label={`${RATES.find((r) => r.key === rate)!.label} by ${by} with 95 % intervals`}
      testId="experiment-chart"
    />
  );
}
