/** The console's live figures: a shape of its own server, read by its web app. */

/** `GET /api/console/live` */
export interface LiveFigures {
  /** Seconds between the oldest and newest scrape the rates are taken over (0: not enough scrapes yet). */
  window_seconds: number;
  serving: { requests_per_minute: number; p99_ms: number | null } | null;
  realtime: { refreshes_per_minute: number; failed_per_minute: number } | null;
  targets: { url: string; up: boolean; error?: string }[];
}
