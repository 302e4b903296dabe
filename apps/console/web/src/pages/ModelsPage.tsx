import type { EvaluationView, ModelView } from '@nextbuy/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ingestion } from '../api';
import { LazyChart } from '../charts/LazyChart';
import { BuildStatus } from '../components/BuildStatus';
import { Confirm } from '../components/Confirm';
import { ErrorNote, Loading } from '../components/status';
import { REFRESH } from '../live';
import { useSession } from '../session';
import { inFlight } from '../shaping/builds';
import { engineMapOverBacktests, methodSeries, type MapPoint } from '../shaping/evaluations';
import {
  activeModel,
  flattenConfig,
  formatMargin,
  mapOverModels,
  modelRows,
  modelsInTraining,
  type ModelMapPoint,
  type ModelRow,
} from '../shaping/models';
import { formatCount, formatPercent, formatTime } from '../shaping/time';

/** How many recent models and backtests the page reads. */
const LISTED = 50;
/** The protocol's defaults (the dataset README): the next 30 days, lists of 12. */
const DEFAULT_HORIZON_DAYS = 30;
const DEFAULT_K = 12;

const running = (e: EvaluationView) => e.status === 'queued' || e.status === 'running';
const training = (m: ModelView) => m.status === 'training';

type Action = { kind: 'train'; asOf: string } | { kind: 'activate'; modelId: string } | { kind: 'rollback' };

/**
 * Models and evaluations: the ranker's models (issue #14) with the gate's report, MAP@12 over
 * successive models, one model's details (`/models/:id`), and the backtests. Admin keys train,
 * activate and roll back, each behind a confirmation.
 */
export default function ModelsPage() {
  const { id: selectedModel } = useParams();
  const { isAdmin } = useSession();
  const evaluations = useQuery({
    queryKey: ['evaluations'],
    queryFn: () => ingestion.evaluations({ limit: LISTED }),
    refetchInterval: (q) => (q.state.data?.some(running) ? REFRESH.buildInFlight : REFRESH.experiments),
  });
  const models = useQuery({
    queryKey: ['models'],
    queryFn: () => ingestion.models({ limit: LISTED }),
    // A training model turns active, candidate or failed when its build ends: follow it closely.
    refetchInterval: (q) => (q.state.data?.some(training) ? REFRESH.buildInFlight : REFRESH.builds),
  });
  const [selected, setSelected] = useState<string | null>(null);

  const done = evaluations.data?.filter((e) => e.status === 'done' && e.report) ?? [];
  const shown = done.find((e) => e.evaluation_id === selected) ?? done[0];
  const mapLine = useMemo(
    () => engineMapOverBacktests(evaluations.data ?? [], DEFAULT_K),
    [evaluations.data],
  );
  const modelLine = useMemo(() => mapOverModels(models.data ?? [], DEFAULT_K), [models.data]);

  return (
    <>
      <h1>Models and evaluations</h1>

      <section aria-labelledby="models-h">
        <h2 id="models-h">Models</h2>
        {models.isPending ? (
          <Loading what="the models" />
        ) : models.isError ? (
          <ErrorNote error={models.error} />
        ) : (
          <>
            <ActiveModelNote models={models.data} />
            {modelsInTraining(models.data).map((m) => (
              <TrainingProgress key={m.model_id} model={m} />
            ))}
            {isAdmin && <ModelActions models={models.data} />}
            {models.data.length === 0 ? (
              <p>No models yet: the first rebuild or training stores one.</p>
            ) : (
              <ModelsTable rows={modelRows(models.data)} selected={selectedModel} isAdmin={isAdmin} />
            )}
          </>
        )}
      </section>

      {selectedModel && <ModelDetail id={selectedModel} />}

      <section aria-labelledby="model-map-h">
        <h2 id="model-map-h">MAP@{DEFAULT_K} over successive models</h2>
        {modelLine.length === 0 ? (
          <p>No model has a gate report with k = {DEFAULT_K} yet.</p>
        ) : (
          <ModelMapLine points={modelLine} />
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

/** A model's status as a badge (text, not colour alone, carries the meaning). */
function ModelStatus({ status }: { status: ModelView['status'] }) {
  return <span className={`badge badge-model-${status}`}>{status}</span>;
}

function ActiveModelNote({ models }: { models: ModelView[] }) {
  const active = activeModel(models);
  return (
    <p data-testid="active-model">
      {active ? (
        <>
          Rebuilds rank with model <Link to={`/models/${active.model_id}`}>#{active.model_id}</Link> (data as
          of {formatTime(active.as_of)}, active since {formatTime(active.activated_at)}).
        </>
      ) : (
        'No model is active: the next rebuild trains its own ranker first.'
      )}
    </p>
  );
}

/** A running training is a build of kind `training`: its stages are its progress. */
function TrainingProgress({ model }: { model: ModelView }) {
  const build = useQuery({
    queryKey: ['builds', model.build_id],
    queryFn: () => ingestion.rebuild(model.build_id!),
    enabled: model.build_id !== null,
    refetchInterval: (q) => (q.state.data && !inFlight(q.state.data) ? false : REFRESH.buildInFlight),
  });
  const stages = Object.values(build.data?.stages ?? {});
  const finished = stages.filter((s) => s.status === 'done').length;
  return (
    <p role="status" data-testid="training" data-model={model.model_id}>
      Model #{model.model_id} is training
      {model.build_id && (
        <>
          {' '}
          in <Link to={`/builds/${model.build_id}`}>build #{model.build_id}</Link>
          {build.data && (
            <>
              {' '}
              <BuildStatus build={build.data} />
            </>
          )}
          {/* A queued build has no stages until its snapshot plans them. */}
          {stages.length > 0 && (
            <>
              {' '}
              <progress
                max={Math.max(1, stages.length)}
                value={finished}
                aria-label={`Stages of build ${model.build_id} done`}
              />{' '}
              {finished} of {stages.length} stages done
            </>
          )}
        </>
      )}
      .
    </p>
  );
}

function ModelsTable({
  rows,
  selected,
  isAdmin,
}: {
  rows: ModelRow[];
  selected: string | undefined;
  isAdmin: boolean;
}) {
  const [activating, setActivating] = useState<string | null>(null);
  const activate = useModelAction();
  return (
    <>
      {activate.isError && <ErrorNote error={activate.error} />}
      {activate.isSuccess && <p role="status">{activate.data}</p>}
      <table data-testid="models">
        <caption className="sr-only">Models, newest first, with the gate's report</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            <th scope="col">Data as of</th>
            <th scope="col">Trained</th>
            <th scope="col" className="num">
              Windows
            </th>
            <th scope="col" className="num">
              Training rows
            </th>
            <th scope="col" className="num">
              MAP@{DEFAULT_K} (holdout)
            </th>
            <th scope="col" className="num">
              Active then
            </th>
            <th scope="col" className="num">
              Tolerance
            </th>
            <th scope="col">Gate</th>
            {isAdmin && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.id}
              data-model={r.id}
              data-status={r.status}
              aria-current={r.id === selected ? 'true' : undefined}
            >
              <th scope="row">
                <Link to={`/models/${r.id}`}>#{r.id}</Link>
                {r.active && <span className="sr-only"> (active)</span>}
              </th>
              <td>
                <ModelStatus status={r.status} />
              </td>
              <td>{formatTime(r.asOf)}</td>
              <td>{formatTime(r.trainedAt)}</td>
              <td className="num">{r.windows || '—'}</td>
              <td className="num">{r.trainedRows === null ? '—' : formatCount(r.trainedRows)}</td>
              <td className="num" data-testid="gate-map">
                {r.gate ? formatPercent(r.gate.map, 2) : '—'}
              </td>
              <td className="num" data-testid="gate-active-map">
                {r.gate === null || r.gate.activeMap === null
                  ? '—'
                  : `${formatPercent(r.gate.activeMap, 2)} (#${r.gate.activeModelId})`}
              </td>
              <td className="num">{r.gate ? `${(r.gate.tolerance * 100).toFixed(1)} points` : '—'}</td>
              <td data-testid="gate-verdict">
                {r.gate ? (
                  <>
                    <span className={`badge badge-gate-${r.gate.decision}`}>{r.gate.decision}</span>
                    {r.gate.margin !== null && ` ${formatMargin(r.gate.margin)}`}
                  </>
                ) : (
                  (r.error ?? '—')
                )}
              </td>
              {isAdmin && (
                <td>
                  {r.canActivate && (
                    <button type="button" onClick={() => setActivating(r.id)}>
                      Activate #{r.id}
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <Confirm
        open={activating !== null}
        title={`Activate model #${activating ?? ''}?`}
        confirmLabel="Activate"
        onCancel={() => setActivating(null)}
        onConfirm={() => {
          if (activating) activate.mutate({ kind: 'activate', modelId: activating });
          setActivating(null);
        }}
      >
        <p>
          The active model is retired and rebuilds started from now on rank with this one (if it saw nothing
          after their data's as-of). Serving changes at the next rebuild.
        </p>
      </Confirm>
    </>
  );
}

/** Train, activate and roll back: each refreshes the models and the builds. */
function useModelAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (action: Action): Promise<string> => {
      if (action.kind === 'train') {
        const { model_id, build_id } = await ingestion.trainModel(
          action.asOf ? { as_of: `${action.asOf}T00:00:00Z` } : {},
        );
        return `Training queued: model #${model_id} in build #${build_id}.`;
      }
      const { model, replaced } =
        action.kind === 'activate'
          ? await ingestion.activateModel(action.modelId)
          : await ingestion.rollbackModel();
      return `Model #${model.model_id} is active${replaced ? ` (model #${replaced} is retired)` : ''}.`;
    },
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['models'] }),
        queryClient.invalidateQueries({ queryKey: ['builds'] }),
      ]);
    },
  });
}

function ModelActions({ models }: { models: ModelView[] }) {
  const [asOf, setAsOf] = useState('');
  const [confirm, setConfirm] = useState<Action | null>(null);
  const action = useModelAction();
  const busy = models.some(training);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setConfirm({ kind: 'train', asOf });
  };
  return (
    <>
      <form className="inline" onSubmit={submit} aria-label="Train a model">
        <label>
          Data as of (optional) <input type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={busy || action.isPending}>
          Train a model
        </button>
        {activeModel(models) && (
          <button type="button" onClick={() => setConfirm({ kind: 'rollback' })} disabled={action.isPending}>
            Roll back the model
          </button>
        )}
      </form>
      {action.isError && <ErrorNote error={action.error} />}
      {action.isSuccess && (
        <p role="status" data-testid="model-action-result">
          {action.data}
        </p>
      )}
      <Confirm
        open={confirm !== null}
        title={confirm?.kind === 'rollback' ? 'Roll back to the previous model?' : 'Train a model?'}
        confirmLabel={confirm?.kind === 'rollback' ? 'Roll back' : 'Train'}
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          if (confirm) action.mutate(confirm);
          setConfirm(null);
        }}
      >
        {confirm?.kind === 'rollback' ? (
          <p>
            The active model is retired and the one active before it is active again; rebuilds started from
            now on rank with it.
          </p>
        ) : (
          <p>
            A training build runs through the queues (no rebuild can start meanwhile), on events before{' '}
            {confirm?.kind === 'train' && confirm.asOf ? confirm.asOf : 'the newest one'}. The gate then
            scores the new model against the active one on the holdout and activates it if it is not worse by
            more than the tolerance.
          </p>
        )}
      </Confirm>
    </>
  );
}

function ModelDetail({ id }: { id: string }) {
  const model = useQuery({
    queryKey: ['models', id],
    queryFn: () => ingestion.model(id),
    refetchInterval: (q) => (q.state.data && training(q.state.data) ? REFRESH.buildInFlight : false),
  });
  return (
    <section aria-labelledby="model-detail-h" data-testid="model-detail">
      <h2 id="model-detail-h">Model #{id}</h2>
      {model.isPending ? (
        <Loading what={`model #${id}`} />
      ) : model.isError ? (
        <ErrorNote error={model.error} />
      ) : (
        <ModelFacts model={model.data} />
      )}
    </section>
  );
}

function ModelFacts({ model: m }: { model: ModelView }) {
  const report = m.report;
  const config = flattenConfig(m.config);
  return (
    <>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <ModelStatus status={m.status} />
        </dd>
        <dt>Trained by</dt>
        <dd>{m.build_id ? <Link to={`/builds/${m.build_id}`}>build #{m.build_id}</Link> : '—'}</dd>
        <dt>Data as of</dt>
        <dd>{formatTime(m.as_of)}</dd>
        <dt>Trained</dt>
        <dd>{formatTime(m.trained_at)}</dd>
        <dt>Activated</dt>
        <dd>{formatTime(m.activated_at)}</dd>
        <dt>Training rows</dt>
        <dd>{m.trained_rows === null ? '—' : formatCount(m.trained_rows)}</dd>
        <dt>Training windows (cuts)</dt>
        <dd>{m.windows.length ? m.windows.map((w) => formatTime(w)).join(', ') : '—'}</dd>
        {m.error && (
          <>
            <dt>Error</dt>
            <dd className="error-text">{m.error}</dd>
          </>
        )}
      </dl>

      <h3>Validation (the gate)</h3>
      {report ? (
        <>
          <p>
            Scored on {formatCount(report.customers)} holdout customers ({report.holdout_percent} % of
            customers, never trained on) who bought between {formatTime(report.horizon.from)} and{' '}
            {formatTime(report.horizon.to)}: <strong>{report.decision}</strong>. {report.reason}
          </p>
          <table>
            <caption className="sr-only">The gate's figures for model {m.model_id}</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  MAP@{report.k}
                </th>
                <th scope="col" className="num">
                  Recall@{report.k}
                </th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">#{m.model_id} (this one)</th>
                <td className="num">{formatPercent(report.candidate.map, 2)}</td>
                <td className="num">{formatPercent(report.candidate.recall, 2)}</td>
              </tr>
              {report.active && (
                <tr>
                  <th scope="row">#{report.active.model_id} (active then)</th>
                  <td className="num">{formatPercent(report.active.map, 2)}</td>
                  <td className="num">{formatPercent(report.active.recall, 2)}</td>
                </tr>
              )}
            </tbody>
          </table>
          <p className="muted">
            Tolerance: the new model may trail the active one by {(report.tolerance * 100).toFixed(1)} MAP
            points.
          </p>
        </>
      ) : (
        <p>{m.status === 'training' ? 'Not scored yet: it is still training.' : 'No gate report.'}</p>
      )}

      <h3>Features ({m.features.length})</h3>
      {m.features.length ? (
        <ol className="features">
          {m.features.map((f) => (
            <li key={f}>
              <code>{f}</code>
            </li>
          ))}
        </ol>
      ) : (
        <p>—</p>
      )}

      <h3>Configuration</h3>
      {config.length ? (
        <table>
          <caption className="sr-only">Engine configuration model {m.model_id} was trained with</caption>
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {config.map((c) => (
              <tr key={c.path}>
                <th scope="row">
                  <code>{c.path}</code>
                </th>
                <td>
                  <code>{c.value}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>—</p>
      )}
    </>
  );
}

function ModelMapLine({ points }: { points: ModelMapPoint[] }) {
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatPercent(v, 2) },
      legend: { top: 0 },
      grid: { left: 64, right: 24, top: 40, bottom: 48 },
      xAxis: { type: 'category', data: points.map((p) => p.label) },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => formatPercent(v, 1) } },
      series: [
        { type: 'line', name: `Model MAP@${DEFAULT_K}`, data: points.map((p) => p.map), symbolSize: 8 },
        {
          type: 'line',
          name: 'Active model, same customers',
          data: points.map((p) => p.activeMap),
          symbolSize: 6,
          lineStyle: { type: 'dashed' },
        },
      ],
    }),
    [points],
  );
  return (
    <LazyChart
      option={option}
      label={`MAP@${DEFAULT_K} on the gate's holdout of each model, oldest first, beside the model active when it was gated`}
      testId="model-map-chart"
    />
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
