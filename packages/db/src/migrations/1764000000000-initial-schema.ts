import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customers (
        customer_id  text PRIMARY KEY,
        segment      text,
        signup_date  timestamptz,
        attributes   jsonb NOT NULL DEFAULT '{}',
        stub         boolean NOT NULL DEFAULT false,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE products (
        product_id   text PRIMARY KEY,
        name         text,
        category     text,
        brand        text,
        price        double precision,
        available    boolean NOT NULL DEFAULT true,
        attributes   jsonb NOT NULL DEFAULT '{}',
        stub         boolean NOT NULL DEFAULT false,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX products_category_idx ON products (category)`);
    await q.query(
      `CREATE TYPE event_type AS ENUM ('view', 'click', 'cart_add', 'cart_remove', 'purchase', 'return')`,
    );
    // No foreign keys to customers/products: the same transaction that stores an event creates its
    // stubs first, and skipping the per-row FK probe keeps bulk merges fast.
    await q.query(`
      CREATE TABLE events (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id     text NOT NULL,
        customer_id  text NOT NULL,
        product_id   text NOT NULL,
        type         event_type NOT NULL,
        ts           timestamptz NOT NULL,
        session_id   text,
        order_id     text,
        quantity     double precision,
        price        double precision,
        received_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX events_event_id_key ON events (event_id)`);
    await q.query(`CREATE INDEX events_customer_ts_idx ON events (customer_id, ts)`);
    await q.query(`CREATE INDEX events_product_ts_idx ON events (product_id, ts)`);
    // Rebuild snapshots scan by time range; events arrive roughly in time order, so a BRIN index
    // answers "ts < as_of" for a few kilobytes.
    await q.query(`CREATE INDEX events_ts_brin ON events USING brin (ts)`);
    await q.query(`
      CREATE TABLE builds (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        status       text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'failed', 'published', 'superseded')),
        as_of        timestamptz,
        trigger      text NOT NULL DEFAULT 'api',
        config       jsonb NOT NULL DEFAULT '{}',
        stages       jsonb NOT NULL DEFAULT '{}',
        counts       jsonb NOT NULL DEFAULT '{}',
        error        text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        started_at   timestamptz,
        finished_at  timestamptz
      )`);
    await q.query(`CREATE INDEX builds_status_idx ON builds (status)`);
    await q.query(`
      CREATE TABLE imports (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind            text NOT NULL CHECK (kind IN ('products', 'customers', 'events')),
        source          text NOT NULL,
        status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
        rows_read       integer NOT NULL DEFAULT 0,
        rows_stored     integer NOT NULL DEFAULT 0,
        rows_duplicate  integer NOT NULL DEFAULT 0,
        rows_rejected   integer NOT NULL DEFAULT 0,
        rejections      jsonb NOT NULL DEFAULT '[]',
        error           text,
        started_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE imports`);
    await q.query(`DROP TABLE builds`);
    await q.query(`DROP TABLE events`);
    await q.query(`DROP TYPE event_type`);
    await q.query(`DROP TABLE products`);
    await q.query(`DROP TABLE customers`);
  }
}
