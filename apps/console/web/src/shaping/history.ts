import type { DailyEventCounts, EventType, HistoryEvent } from '@nextbuy/contracts';

/** Rows of the history chart, strongest intent at the top (ECharts draws the first category lowest). */
export const EVENT_TYPE_ORDER: readonly EventType[] = [
  'return',
  'cart_remove',
  'view',
  'click',
  'cart_add',
  'purchase',
];

export interface HistoryLanes {
  types: readonly EventType[];
  /** Per type, its events as [time ms, product id, product name]. */
  points: Record<EventType, [number, string, string][]>;
}

/** A customer's events in lanes by type, for a timeline. */
export function historyLanes(events: readonly HistoryEvent[]): HistoryLanes {
  const points = Object.fromEntries(
    EVENT_TYPE_ORDER.map((t) => [t, []]),
  ) as unknown as HistoryLanes['points'];
  for (const e of events)
    points[e.type].push([Date.parse(e.timestamp), e.product_id, e.product_name ?? e.product_id]);
  for (const t of EVENT_TYPE_ORDER) points[t].sort((a, b) => a[0] - b[0]);
  return { types: EVENT_TYPE_ORDER, points };
}

export interface PopularitySeries {
  days: string[];
  series: { type: EventType; values: number[] }[];
}

const DAY_MS = 86_400_000;

/**
 * A product's daily events as one series per type present, over every day from its first to its
 * last active day (days without events are zeros, so the axis is true to time).
 */
export function popularitySeries(daily: readonly DailyEventCounts[]): PopularitySeries {
  if (daily.length === 0) return { days: [], series: [] };
  const first = Date.parse(`${daily[0]!.day}T00:00:00Z`);
  const last = Date.parse(`${daily.at(-1)!.day}T00:00:00Z`);
  const days: string[] = [];
  for (let t = first; t <= last; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  const byDay = new Map(daily.map((d) => [d.day, d.counts]));
  const present = EVENT_TYPE_ORDER.filter((t) => daily.some((d) => (d.counts[t] ?? 0) > 0));
  return {
    days,
    series: [...present]
      .reverse()
      .map((type) => ({ type, values: days.map((d) => byDay.get(d)?.[type] ?? 0) })),
  };
}
