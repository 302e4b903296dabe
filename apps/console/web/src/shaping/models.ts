import type { GateReport, ModelStatus, ModelView } from '@nextbuy/contracts';
import type { MapPoint } from './evaluations';

/** The gate's figures as the table shows them: both MAP@k on the same holdout, the rule and its verdict. */
export interface GateSummary {
  k: number;
  /** MAP@k of this model on the gate's holdout, 0..1. */
  map: number;
  /** MAP@k of the model that was active when the gate ran, same customers; null when none was. */
  activeMap: number | null;
  activeModelId: string | null;
  /** This model minus the active one, in MAP points (0..1 scale); null when none was active. */
  margin: number | null;
  tolerance: number;
  customers: number;
  decision: GateReport['decision'];
  reason: string;
}

export interface ModelRow {
  id: string;
  status: ModelStatus;
  active: boolean;
  asOf: string | null;
  trainedAt: string | null;
  /** The build that trained it: a training build, or a rebuild that fitted its own ranker. */
  buildId: string | null;
  windows: number;
  trainedRows: number | null;
  gate: GateSummary | null;
  /** Activation takes a trained model that is not active: candidates and retired ones. */
  canActivate: boolean;
  error: string | null;
}

export function gateSummary(report: GateReport | null): GateSummary | null {
  if (!report) return null;
  const activeMap = report.active?.map ?? null;
  return {
    k: report.k,
    map: report.candidate.map,
    activeMap,
    activeModelId: report.active?.model_id ?? null,
    margin: activeMap === null ? null : report.candidate.map - activeMap,
    tolerance: report.tolerance,
    customers: report.customers,
    decision: report.decision,
    reason: report.reason,
  };
}

/** The models table, in the API's order (newest first). */
export function modelRows(models: readonly ModelView[]): ModelRow[] {
  return models.map((m) => ({
    id: m.model_id,
    status: m.status,
    active: m.status === 'active',
    asOf: m.as_of,
    trainedAt: m.trained_at,
    buildId: m.build_id,
    windows: m.windows.length,
    trainedRows: m.trained_rows,
    gate: gateSummary(m.report),
    canActivate: m.status === 'candidate' || m.status === 'retired',
    error: m.error,
  }));
}

/** The model rebuilds rank with today, if any. */
export const activeModel = (models: readonly ModelView[]): ModelView | undefined =>
  models.find((m) => m.status === 'active');

/** Models whose training build is still running (their progress is that build's page). */
export const modelsInTraining = (models: readonly ModelView[]): ModelView[] =>
  models.filter((m) => m.status === 'training');

/** A point of the MAP@k line over successive models, with the active model's score at its gate. */
export interface ModelMapPoint extends MapPoint {
  modelId: string;
  /** The then-active model's MAP@k on the same holdout customers; null for the first model. */
  activeMap: number | null;
  status: ModelStatus;
}

/**
 * Each gated model's MAP@k on the gate's holdout, in the order the models were made (oldest
 * first), beside the MAP@k of the model it was measured against. Reports of another k are left
 * out, so the line compares like with like. Each point is measured over the horizon before its own
 * model's as-of, so the line shows how ranking quality moved, not a single fixed test.
 */
export function mapOverModels(models: readonly ModelView[], k: number): ModelMapPoint[] {
  return models
    .filter((m) => m.report !== null && m.report.k === k)
    .map((m) => ({
      modelId: m.model_id,
      label: `#${m.model_id}${m.as_of ? ` as of ${m.as_of.slice(0, 10)}` : ''}`,
      at: m.trained_at ?? m.created_at,
      map: m.report!.candidate.map,
      activeMap: m.report!.active?.map ?? null,
      k,
      status: m.status,
    }))
    .sort((a, b) => a.at.localeCompare(b.at) || Number(a.modelId) - Number(b.modelId));
}

/** One line of a model's configuration: a dotted path and its value as text. */
export interface ConfigEntry {
  path: string;
  value: string;
}

/**
 * A model's engine configuration as a flat list (`ranker.learningRate` → `0.1`), in the stored
 * order: nested objects are walked, arrays and other values shown as JSON.
 */
export function flattenConfig(config: Record<string, unknown>, prefix = ''): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  for (const [key, value] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      entries.push(...flattenConfig(value as Record<string, unknown>, path));
    } else {
      entries.push({ path, value: typeof value === 'string' ? value : JSON.stringify(value) });
    }
  }
  return entries;
}

/** The gate's margin in MAP points, signed: "+0.42 points", "−0.10 points". */
export function formatMargin(margin: number): string {
  const points = margin * 100;
  const sign = points > 0 ? '+' : points < 0 ? '−' : '±';
  return `${sign}${Math.abs(points).toFixed(2)} points`;
}
