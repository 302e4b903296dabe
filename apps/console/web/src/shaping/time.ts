/** Human ages and durations: "42 s", "3 min", "5 h", "2 d". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const min = s / 60;
  if (min < 60) return `${Math.round(min)} min`;
  const h = min / 60;
  if (h < 48) return `${Math.round(h)} h`;
  return `${Math.round(h / 24)} d`;
}

/** How long ago `iso` was, or "—" when there is no time. */
export function ageOf(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  return `${formatDuration(now - Date.parse(iso))} ago`;
}

/** `2011-12-09 12:50` in UTC: the data's own time zone is unknown, UTC is unambiguous. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

export const formatCount = (n: number) => n.toLocaleString('en');
export const formatPercent = (share: number, digits = 0) => `${(share * 100).toFixed(digits)} %`;
