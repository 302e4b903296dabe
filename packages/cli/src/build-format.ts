import type { BuildView, StageState } from '@nextbuy/contracts';

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

/** Wall time of one stage: recorded seconds, else finished − started (the `rank` fan-in has no seconds). */
export function stageSeconds(state: StageState, now = Date.now()): number | undefined {
  if (state.seconds !== undefined) return state.seconds;
  if (!state.started_at) return undefined;
  const end = state.finished_at ? Date.parse(state.finished_at) : now;
  return (end - Date.parse(state.started_at)) / 1000;
}

/** Stages in the order they started (ties by name), so a table reads like the rebuild ran. */
export function orderedStages(view: Pick<BuildView, 'stages'>): [string, StageState][] {
  return Object.entries(view.stages ?? {}).sort(
    ([a, x], [b, y]) =>
      (x.started_at ?? '\uffff').localeCompare(y.started_at ?? '\uffff') || a.localeCompare(b),
  );
}

/** One line per build: `42  published  cli  as of …  4,338 customers  35.1 s  error`. */
export function formatBuildLine(b: BuildView): string {
  const parts = [
    b.build_id.padStart(4),
    b.status.padEnd(10),
    b.trigger.padEnd(8),
    `created ${b.created_at.replace(/\.\d+Z$/, 'Z')}`,
  ];
  if (b.as_of) parts.push(`as of ${b.as_of.replace(/\.\d+Z$/, 'Z')}`);
  if (b.kind === 'training') parts.push('training');
  else if (b.model_id) parts.push(`model ${b.model_id}`);
  if (b.counts.customers !== undefined) parts.push(`${b.counts.customers.toLocaleString('en')} customers`);
  if (b.seconds !== null) parts.push(formatSeconds(b.seconds));
  if (b.status === 'queued' || b.status === 'running') {
    const running = orderedStages(b)
      .filter(([, s]) => s.status === 'running')
      .map(([name]) => name);
    if (running.length) parts.push(`running: ${running.join(', ')}`);
  }
  if (b.error) parts.push(`error: ${b.error}`);
  return parts.join('  ');
}

/** `features: 1 waiting, 0 active, …` for one queue's counts. */
export function formatQueueCounts(name: string, counts: Record<string, number>): string {
  const text = Object.entries(counts)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  return `${name}: ${text}`;
}
