/**
 * UK wall-clock time → UTC. Online Retail's `InvoiceDate` is local time in London without a zone,
 * so summer dates (BST, UTC+1) are an hour ahead of UTC and winter dates (GMT) equal it.
 */
const LONDON = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

const HOUR_MS = 3_600_000;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** London's offset from UTC (milliseconds) at the instant `utcMs`. */
function londonOffsetMs(utcMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of LONDON.formatToParts(new Date(utcMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - (utcMs - (utcMs % 1000));
}

/**
 * Epoch milliseconds of a London wall-clock time `YYYY-MM-DD hh:mm[:ss]`, or undefined when it is
 * not one. A time that does not exist (skipped at the spring change) reads as GMT; an ambiguous one
 * (repeated at the autumn change) reads as the first, BST, instant.
 */
export function londonLocalToUtcMs(text: string): number | undefined {
  const m = LOCAL_DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0'] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(wall)) return undefined;
  // London is UTC+1 (BST) or UTC+0 (GMT): take the reading whose offset agrees with itself.
  const summer = wall - HOUR_MS;
  if (londonOffsetMs(summer) === HOUR_MS) return summer;
  return wall;
}

/** `2011-06-01T09:00:00Z`: ISO 8601 in UTC, without milliseconds when there are none. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
