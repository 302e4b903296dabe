/** Shapes of the HTTP API (SPEC.md). */

/** Every error answer of every app. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

export interface RejectedItem {
  index: number;
  errors: string[];
}

/** `POST /v1/events` → 202 */
export interface EventsAccepted {
  accepted: number;
  duplicates: number;
  rejected: RejectedItem[];
}

/** `PUT /v1/products`, `PUT /v1/customers` → 200 */
export interface UpsertResult {
  upserted: number;
  rejected: RejectedItem[];
}

/** `nextbuy status --json` */
export interface StatusReport {
  counts: { customers: number; products: number; events: number };
}
