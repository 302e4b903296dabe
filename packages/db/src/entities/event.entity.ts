import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { EVENT_TYPES, type EventType } from '@nextbuy/contracts';

/**
 * The system of record of customer behaviour. One row per event, idempotent by `event_id`
 * (the client's id, or a key derived from the row's content: see `deriveEventId`).
 *
 * Growth plan: past ~100M rows (one machine's comfort for index maintenance and vacuum), the table
 * becomes `PARTITION BY RANGE (ts)` with monthly partitions. Postgres requires the partition key in
 * every unique index, so idempotency then moves to a small `event_keys (event_id PRIMARY KEY)` table
 * that the same merge statement inserts into first (`ON CONFLICT DO NOTHING RETURNING event_id`),
 * and only the returned ids go on into `events`. Rebuild snapshots read `ts < as_of`, so they prune
 * to the partitions they need; old partitions detach for archiving without a long delete. The
 * migration is written out in docs/data-model.md.
 */
@Entity({ name: 'events' })
@Index('events_customer_ts_idx', ['customerId', 'ts'])
@Index('events_product_ts_idx', ['productId', 'ts'])
export class EventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Index('events_event_id_key', { unique: true })
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
