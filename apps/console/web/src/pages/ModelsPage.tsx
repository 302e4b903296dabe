import type { EvaluationView } from '@nextbuy/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { ingestion } from '../api';
import { LazyChart } from '../charts/LazyChart';
import { ErrorNote, Loading } from '../components/status';
import { REFRESH } from '../live';
import { useSession } from '../session';
import { modelFittedAt } from '../shaping/builds';
import { engineMapOverBacktests, methodSeries, type MapPoint } from '../shaping/evaluations';
import { formatPercent, formatTime } from '../shaping/time';

/** How many recent backtests and builds the page reads. */
const LISTED = 50;
/** The protocol's defaults (the dataset README): the next 30 days, lists of 12. */
const DEFAULT_HORIZON_DAYS = 30;
const DEFAULT_K = 12;

const running = (e: EvaluationView) => e.status === 'queued' || e.status === 'running';

/**
 * Models and evaluations. Every build fits its own ranker (its `ranker` stage), so the models in
 * use today are listed from the builds; the backtests give the figures. When the models API lands
 * (issue #14) its table and its MAP@12 points join through `MapPoint`.
 */
export default function ModelsPage() {
  const { isAdmin } = useSession();
  const evaluations = useQuery({
    queryKey: ['evaluations'],
    queryFn: () => ingestion.evaluations({ limit: LISTED }),
    refetchInterval: (q) => (q.state.data?.some(running) ? REFRESH.buildInFlight : REFRESH.experiments),
  });
  const builds = useQuery({
    queryKey: ['builds', 'models'],
    queryFn: () => ingestion.rebuilds({ limit: LISTED }),
  });
  const [selected, setSelected] = useState<string | null>(null);

  const done = evaluations.data?.filter((e) => e.status === 'done' && e.report) ?? [];
  const shown = done.find((e) => e.evaluation_id === selected) ?? done[0];
  const mapLine = useMemo(
    () => engineMapOverBacktests(evaluations.data ?? [], DEFAULT_K),
    [evaluations.data],
  );

  return (
    <>
      <h1>Models and evaluations</h1>

      <section aria-labelledby="models-h">
        <h2 id="models-h">Models in published builds</h2>
        {builds.isPending ? (
          <Loading what="the builds" />
        ) : builds.isError ? (
          <ErrorNote error={builds.error} />
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Build</th>
                <th scope="col">Ranker fitted</th>
                <th scope="col">Data as of</th>
                <th scope="col" className="num">
                  Training windows
                </th>
              </tr>
            </thead>
            <tbody>
              {builds.data
                .filter((b) => b.status === 'published' || b.status === 'superseded')
                .map((b) => (
                  <tr key={b.build_id}>
                    <th scope="row">
                      <Link to={`/builds/${b.build_id}`}>#{b.build_id}</Link>
                      {b.active ? ' (active)' : ''}
                    </th>
                    <td>{b.model_id ? `stored model #${b.model_id}` : formatTime(modelFittedAt(b))}</td>
                    <td>{formatTime(b.as_of)}</td>
                    <td className="num">
                      {Object.keys(b.stages).filter((s) => s.startsWith('ranker-window-')).length || '—'}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="backtests-h">
        <h2 id="backtests-h">Backtests</h2>
        {isAdmin && <StartBacktest />}
        {evaluations.isPending ? (
          <Loading what="the backtests" />
        ) : evaluations.isError ? (
          <ErrorNote error={evaluations.error} />
        ) : evaluations.data.length === 0 ? (
          <p>No backtests yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Backtest</th>
                <th scope="col">Status</th>
                <th scope="col">As of</th>
                <th scope="col" className="num">
                  Horizon
                </th>
                <th scope="col" className="num">
                  k
                </th>
                <th scope="col" className="num">
                  Engine MAP
                </th>
                <th scope="col">Show</th>
              </tr>
            </thead>
            <tbody>
              {evaluations.data.map((e) => (
                <tr key={e.evaluation_id} aria-current={e === shown ? 'true' : undefined}>
                  <th scope="row">#{e.evaluation_id}</th>
                  <td>{e.status === 'failed' ? `failed: ${e.error ?? ''}` : e.status}</td>
                  <td>{formatTime(e.as_of)}</td>
                  <td className="num">{e.horizon_days} d</td>
                  <td className="num">{e.k}</td>
                  <td className="num">
                    {e.report ? formatPercent(e.report.rows[0]?.metrics.map ?? 0, 2) : '—'}
                  </td>
                  <td>
                    {e.report && (
                      <button
                        type="button"
                        onClick={() => setSelected(e.evaluation_id)}
                        disabled={e === shown}
                      >
                        Chart #{e.evaluation_id}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {shown?.report && <BacktestChart evaluation={shown} />}
      </section>

      <section aria-labelledby="map-h">
        <h2 id="map-h">MAP@{DEFAULT_K} over successive backtests</h2>
        {mapLine.length < 2 ? (
          <p>
            Two finished backtests with k = {DEFAULT_K} draw a line; there are {mapLine.length}.
          </p>
        ) : (
          <MapLine points={mapLine} />
        )}
      </section>
    </>
  );
}

function BacktestChart({ evaluation }: { evaluation: EvaluationView }) {
  const report = evaluation.report!;
  const option = useMemo(() => {
    const { methods, metrics } = methodSeries(report);
    return {
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatPercent(v, 2) },
      legend: { top: 0 },
      grid: { left: 220, right: 24, top: 40, bottom: 24 },
      xAxis: { type: 'value', axisLabel: { formatter: (v: number) => formatPercent(v) } },
      yAxis: { type: 'category', data: methods, inverse: true },
      series: metrics.map((m) => ({ type: 'bar', name: m.label, data: m.values })),
    };
  }, [report]);
  return (
    <>
      <h3>
        Backtest #{evaluation.evaluation_id}: as of {formatTime(report.as_of)}, {report.horizon_days} days,
        top {report.k}, {report.customers} customers ({report.new_customers} new)
      </h3>
      <LazyChart
        option={option}
        label={`Metrics of the engine, its split, the baselines and each strategy alone, backtest ${evaluation.evaluation_id}`}
        height={Math.max(320, report.rows.length * 48)}
        testId="backtest-chart"
      />
    </>
  );
}

function MapLine({ points }: { points: MapPoint[] }) {
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatPercent(v, 2) },
      grid: { left: 64, right: 24, top: 24, bottom: 48 },
      xAxis: { type: 'category', data: points.map((p) => p.label) },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => formatPercent(v, 1) } },
      series: [{ type: 'line', name: `MAP@${DEFAULT_K}`, data: points.map((p) => p.map), symbolSize: 8 }],
    }),
    [points],
  );
  return <LazyChart option={option} label={`Engine MAP@${DEFAULT_K} of each backtest, oldest first`} />;
}

function StartBacktest() {
  const queryClient = useQueryClient();
  const [asOf, setAsOf] = useState('');
  const [horizon, setHorizon] = useState(DEFAULT_HORIZON_DAYS);
  const [k, setK] = useState(DEFAULT_K);
  const start = useMutation({
    mutationFn: () => ingestion.startEvaluation({ as_of: `${asOf}T00:00:00Z`, horizon_days: horizon, k }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['evaluations'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  return (
    <form className="inline" onSubmit={submit} aria-label="Start a backtest">
      <label>
        As of <input type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} required />
      </label>
      <label>
        Horizon (days){' '}
        <input
          type="number"
          min={1}
          max={365}
          value={horizon}
          onChange={(e) => setHorizon(Number(e.target.value))}
        />
      </label>
      <label>
        k <input type="number" min={1} max={100} value={k} onChange={(e) => setK(Number(e.target.value))} />
      </label>
      <button type="submit" className="primary" disabled={start.isPending}>
        Start backtest
      </button>
      {start.isError && <ErrorNote error={start.error} />}
      {start.isSuccess && <span role="status">Backtest #{start.data.evaluation_id} queued.</span>}
    </form>
  );
}
