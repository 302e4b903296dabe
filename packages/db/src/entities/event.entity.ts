import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EVENT_TYPES, type EventType } from '@nextbuy/contracts';

/**
 * The system of record of customer behaviour. One row per event, idempotent by `event_id`
 * (the client's id, or a key derived from the row's content: see `deriveEventId`).
 *
 * Partitioned by month on `ts` (migration 1764000750000, docs/data-model.md). Postgres requires
 * the partition key in every unique index, so idempotency lives in `event_keys (event_id PRIMARY
 * KEY)`, which the merge inserts into first; only the ids it stored go on into `events`. Rebuild
 * snapshots read `ts < as_of`, so they prune to the partitions they need. `id` is numbered by a
 * sequence (no identity column on a partitioned table in Postgres 15) and indexed, not unique.
 */
@Entity({ name: 'events' })
@Index('events_customer_ts_idx', ['customerId', 'ts'])
@Index('events_product_ts_idx', ['productId', 'ts'])
export class EventEntity {
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'product_id', type: 'text' })
  productId!: string;

  @Column({ type: 'enum', enum: EVENT_TYPES, enumName: 'event_type' })
  type!: EventType;

  @Column({ type: 'timestamptz' })
  ts!: Date;

  @Column({ name: 'session_id', type: 'text', nullable: true })
  sessionId!: string | null;

  @Column({ name: 'order_id', type: 'text', nullable: true })
  orderId!: string | null;

  @Column({ type: 'double precision', nullable: true })
  quantity!: number | null;

  @Column({ type: 'double precision', nullable: true })
  price!: number | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
