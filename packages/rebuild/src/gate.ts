import { EVALUATION_DEFAULTS, type GateReport } from '@nextbuy/contracts';
import {
  DAY_MS,
  FEATURES,
  scoreHoldout,
  trainingCut,
  type EngineConfig,
  type HoldoutSet,
  type RankerModel,
} from '@nextbuy/engine';

/**
 * How much MAP@12 (0..1) a new model may trail the active one on the holdout and still replace it:
 * 0.3 points. On Online Retail, retraining the same data with another seed moves the engine's MAP@12
 * by up to ~0.3 points (bench/engine/RESULTS.md, BENCHMARKS.md "Models"): a smaller margin would
 * refuse models for noise, and a fresher model is worth a difference that small.
 */
export const GATE_TOLERANCE = 0.003;

/** Lists of this length are scored (the protocol's k). */
export const GATE_K = EVALUATION_DEFAULTS.k;

/** The active model as the gate sees it. */
export interface ActiveModel {
  id: string;
  asOf: Date | null;
  model: RankerModel | null;
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

/**
 * The gate: the new model and the active one scored on the same holdout customers over the last
 * complete horizon before the new model's as-of ([as-of − horizon, as-of), training window 1's
 * labels, which no model trained on for these customers). It is activated when no model is
 * active, or when its MAP@12 is at least the active one's minus GATE_TOLERANCE — unless it is older
 * than the active model (it saw less recent data: kept, never swapped in behind the user's back).
 */
export function judgeModel(
  candidate: RankerModel,
  active: ActiveModel | null,
  holdout: HoldoutSet,
  asOf: Date,
  config: EngineConfig,
  tolerance = GATE_TOLERANCE,
): GateReport {
  const from = trainingCut({ asOf: asOf.getTime() }, config, 1);
  const mine = scoreHoldout(candidate, holdout, GATE_K);
  const theirs = active?.model ? scoreHoldout(active.model, holdout, GATE_K) : null;
  const base = {
    horizon: {
      from: new Date(from).toISOString(),
      to: new Date(from + config.horizonDays * DAY_MS).toISOString(),
    },
    k: GATE_K,
    customers: mine.customers,
    holdout_percent: config.ranker.holdoutPercent,
    tolerance,
    candidate: { map: mine.map, recall: mine.recall },
    active: active && theirs ? { model_id: active.id, map: theirs.map, recall: theirs.recall } : null,
  };
  const decide = (decision: GateReport['decision'], reason: string): GateReport => ({
    ...base,
    decision,
    reason,
  });
  if (!active) return decide('activated', 'no model was active');
  if (active.asOf && active.asOf.getTime() > asOf.getTime())
    return decide(
      'kept',
      `older than the active model ${active.id} (as of ${active.asOf.toISOString()}): kept retired, activate it by hand`,
    );
  if (!theirs) return decide('activated', `the active model ${active.id} cannot score this feature layout`);
  if (mine.customers === 0)
    return decide('refused', 'no holdout customer bought in the horizon: nothing to judge by');
  const k = GATE_K;
  const floor = theirs.map - tolerance;
  return mine.map >= floor
    ? decide(
        'activated',
        `MAP@${k} ${pct(mine.map)} ≥ ${pct(theirs.map)} (model ${active.id}) − ${(tolerance * 100).toFixed(1)} points`,
      )
    : decide(
        'refused',
        `MAP@${k} ${pct(mine.map)} < ${pct(theirs.map)} (model ${active.id}) − ${(tolerance * 100).toFixed(1)} points: model ${active.id} stays active`,
      );
}

/** Cut of each training window, ISO (stored with the model). */
export function trainingWindowCuts(asOf: Date, config: EngineConfig): string[] {
  return Array.from({ length: config.ranker.trainingWindows }, (_, i) =>
    new Date(trainingCut({ asOf: asOf.getTime() }, config, i + 1)).toISOString(),
  );
}

/** The feature names of the engine's layout (what a model applies to). */
export const featureNames = (): string[] => FEATURES.map((f) => f.name);
