import type { BuildView } from './api';
import type { EventType } from './records';

/** Shapes of ingestion's read routes for operators (the console, scripts): status, one customer, one product. */

/** `GET /v1/keys/me`: the key that made the request, so a client knows what it may do. */
export interface KeyView {
  /** `env:<12 hex of its hash>` for a configured key, `key:<id>` for a stored one; never the key. */
  id: string;
  /**
   * read ⊂ write ⊂ admin, read ⊂ ops ⊂ admin (`covers` in @nextbuy/config): `ops` reads what
   * operators read (customer histories, builds, models, …) and changes nothing.
   */
  scope: 'read' | 'write' | 'ops' | 'admin';
}

/** `GET /v1/status` */
export interface StatusView {
  counts: {
    /** Exact below 100,000 rows; above, Postgres' estimate (named in `estimated_counts`). */
    customers: number;
    products: number;
    events: number;
    /** Events whose timestamp is within the last 24 hours / 7 days of the server's clock. */
    events_24h: number;
    events_7d: number;
  };
  /**
   * Which of `customers`, `products`, `events` are estimates from Postgres' statistics (a table of
   * 100,000 rows or more: an exact count would scan it on every call); empty when all are exact.
   * `nextbuy status` always counts exactly.
   */
  estimated_counts: ('customers' | 'products' | 'events')[];
  active_build: BuildView | null;
  builds_in_flight: BuildView[];
  /** Job counts per queue and state; null when Redis did not answer in time. */
  queues: Record<string, Record<string, number>> | null;
  generated_at: string;
}

/** One stored event of a customer or product history. */
export interface HistoryEvent {
  event_id: string;
  customer_id: string;
  product_id: string;
  product_name: string | null;
  type: EventType;
  timestamp: string;
  order_id: string | null;
  quantity: number | null;
  price: number | null;
}

/** `GET /v1/customers/{id}` */
export interface CustomerView {
  customer_id: string;
  segment: string | null;
  signup_date: string | null;
  attributes: Record<string, unknown>;
  /** Created by an event before any customer record named it. */
  stub: boolean;
  /** Events per type over the whole history (types without any are left out). */
  event_counts: Partial<Record<EventType, number>>;
  first_event_at: string | null;
  last_event_at: string | null;
}

/** `GET /v1/customers/{id}/events`: newest first. */
export interface CustomerEventsResponse {
  customer_id: string;
  events: HistoryEvent[];
}

/** One customer who bought many of the same products. */
export interface SimilarCustomer {
  customer_id: string;
  /** Distinct products both bought. */
  shared_products: number;
  /** Shared products / products either bought (Jaccard), 0..1. */
  similarity: number;
}

/** `GET /v1/customers/{id}/similar`: by overlap of purchased products, most similar first. */
export interface SimilarCustomersResponse {
  customer_id: string;
  customers: SimilarCustomer[];
}

/** Events of one product on one UTC day, per type (absent types: 0). */
export interface DailyEventCounts {
  day: string;
  counts: Partial<Record<EventType, number>>;
}

/** `GET /v1/products/{id}` */
export interface ProductView {
  product_id: string;
  name: string | null;
  category: string | null;
  brand: string | null;
  price: number | null;
  available: boolean;
  attributes: Record<string, unknown>;
  stub: boolean;
  event_counts: Partial<Record<EventType, number>>;
  /** Daily events of the product's last `days` days of activity (up to its newest event), oldest first. */
  popularity: DailyEventCounts[];
}

/** `POST /v1/rebuilds/{id}/rollback` */
export interface RollbackResult {
  build: BuildView;
  /** The build that was active before, or null when the asked build already was. */
  replaced: string | null;
}
