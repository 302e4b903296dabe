import type { BuildView, StageState } from '@nextbuy/contracts';

/** A stage's record as the workers write it; `worker` (`host:pid`) is recorded by newer workers only. */
export type StageRecord = StageState & { worker?: string };

export interface TimelineRow {
  stage: string;
  status: StageState['status'];
  progress: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** From the build's start, ms (null: not started). */
  offsetMs: number | null;
  /** Running stages last until `now`. */
  durationMs: number | null;
  worker: string;
  detail: string | null;
}

export interface Timeline {
  rows: TimelineRow[];
  /** The span the bars are drawn on: build start to its end (or now). */
  spanMs: number;
}

/** Shown when a stage record names no worker (written before workers recorded themselves). */
export const NO_WORKER = '—';

/**
 * One build's stages as a timeline: started stages by start time (ties by name), then the pending
 * ones by name; offsets and durations from the build's start.
 */
export function buildTimeline(build: BuildView, now: number): Timeline {
  const stages = Object.entries(build.stages as Record<string, StageRecord>);
  const starts = stages.map(([, s]) => s.started_at).filter((t): t is string => !!t);
  const origin = Date.parse(build.started_at ?? starts.sort()[0] ?? build.created_at);
  const end = build.finished_at ? Date.parse(build.finished_at) : now;
  const rows = stages.map(([stage, s]): TimelineRow => {
    const start = s.started_at ? Date.parse(s.started_at) : null;
    const finish = s.finished_at ? Date.parse(s.finished_at) : s.status === 'running' ? now : null;
    return {
      stage,
      status: s.status,
      progress: s.progress,
      startedAt: s.started_at ?? null,
      finishedAt: s.finished_at ?? null,
      offsetMs: start === null ? null : Math.max(0, start - origin),
      durationMs: start === null || finish === null ? null : Math.max(0, finish - start),
      worker: s.worker ?? NO_WORKER,
      detail: s.detail ?? null,
    };
  });
  rows.sort((a, b) => {
    if (a.offsetMs === null || b.offsetMs === null)
      return a.offsetMs === b.offsetMs ? a.stage.localeCompare(b.stage) : a.offsetMs === null ? 1 : -1;
    return a.offsetMs - b.offsetMs || a.stage.localeCompare(b.stage);
  });
  const latest = Math.max(end, ...rows.map((r) => (r.offsetMs ?? 0) + (r.durationMs ?? 0) + origin));
  return { rows, spanMs: Math.max(1, latest - origin) };
}

/** A build still moving: the page refreshes it quickly. */
export const inFlight = (b: Pick<BuildView, 'status'>) => b.status === 'queued' || b.status === 'running';

/** Rollback is offered for kept builds that published once and are not the active one. */
export const canRollBack = (b: Pick<BuildView, 'status'>) => b.status === 'superseded';

/** The ranker stage of a build: the model it served with was fitted there. */
export const RANKER_STAGE = 'ranker';

/** When the active build's model was fitted (its ranker stage finished), if the build records it. */
export function modelFittedAt(build: BuildView | null): string | null {
  return build?.stages[RANKER_STAGE]?.finished_at ?? null;
}
