/**
 * Garbage-collection pauses of an app, read from its own `/metrics` (prom-client's default
 * `nodejs_gc_duration_seconds` histogram, by kind): scraped before and after a phase, the difference
 * says how many pauses of each kind fell in each bucket, which is what a tail latency is made of.
 */

/** Cumulative bucket counts and sums per GC kind: `kind → le → count`, plus `kind → sum seconds`. */
export interface GcSnapshot {
  buckets: Map<string, Map<string, number>>;
  sums: Map<string, number>;
}

const BUCKET = /^nodejs_gc_duration_seconds_bucket\{(.*)\} (\S+)$/;
const SUM = /^nodejs_gc_duration_seconds_sum\{(.*)\} (\S+)$/;

function labels(text: string): Map<string, string> {
  return new Map([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

export function parseGc(metrics: string): GcSnapshot {
  const snapshot: GcSnapshot = { buckets: new Map(), sums: new Map() };
  for (const line of metrics.split('\n')) {
    const bucket = BUCKET.exec(line);
    if (bucket) {
      const l = labels(bucket[1]!);
      const kind = l.get('kind') ?? '?';
      const byLe = snapshot.buckets.get(kind) ?? new Map<string, number>();
      byLe.set(l.get('le') ?? '?', Number(bucket[2]));
      snapshot.buckets.set(kind, byLe);
      continue;
    }
    const sum = SUM.exec(line);
    if (sum) snapshot.sums.set(labels(sum[1]!).get('kind') ?? '?', Number(sum[2]));
  }
  return snapshot;
}

/** `/metrics` of the app on `port`, as a GC snapshot (empty if the app does not answer). */
export async function scrapeGc(port: number): Promise<GcSnapshot> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
  return parseGc(text);
}

/** Seconds of GC pauses of every kind between two snapshots; `undefined` when the app exposes none. */
export function gcPauseSeconds(before: GcSnapshot, after: GcSnapshot): number | undefined {
  if (after.sums.size === 0) return undefined;
  let seconds = 0;
  for (const [kind, sum] of after.sums) seconds += sum - (before.sums.get(kind) ?? 0);
  return seconds;
}

/**
 * One line per GC kind that paused during the phase: how many pauses, their total, and how many
 * took longer than each bucket's bound (prom-client's buckets: 1 ms, 10 ms, 100 ms, 1 s, …).
 */
export function describeGc(before: GcSnapshot, after: GcSnapshot): string[] {
  const lines: string[] = [];
  for (const [kind, byLe] of after.buckets) {
    const total = (byLe.get('+Inf') ?? 0) - (before.buckets.get(kind)?.get('+Inf') ?? 0);
    if (total === 0) continue;
    const seconds = (after.sums.get(kind) ?? 0) - (before.sums.get(kind) ?? 0);
    const over = [...byLe]
      .filter(([le]) => le !== '+Inf')
      .map(([le, count]) => {
        const within = count - (before.buckets.get(kind)?.get(le) ?? 0);
        return `>${Number(le) * 1000} ms ${total - within}`;
      })
      .filter((text) => !text.endsWith(' 0'));
    lines.push(
      `gc ${kind}: ${total} pauses, ${(seconds * 1000).toFixed(0)} ms in all` +
        (over.length > 0 ? `; ${over.join(', ')}` : ''),
    );
  }
  return lines;
}
