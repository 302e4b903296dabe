import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `events` becomes range-partitioned by month on `ts` (docs/data-model.md), converting the table
 * that exists, with its data.
 *
 * Postgres requires the partition key in every unique index, so idempotency by `event_id` moves to
 * `event_keys (event_id PRIMARY KEY)`: the merge inserts a batch's ids there first and only the ids
 * it stored go on into `events`. Putting `ts` into the key instead (`UNIQUE (event_id, ts)`) would
 * be cheaper but weaker: a client that re-sends an `event_id` with another timestamp would store
 * it twice.
 *
 * `nb_ensure_partition` creates the partition of one month (or day, for the logs) under an
 * advisory lock, moving any rows the DEFAULT partition caught for that range into it. The DEFAULT
 * partition is the safety net: an event for a month nobody created a partition for is stored
 * there, never refused.
 *
 * The identity column becomes a plain sequence default (Postgres 15 allows no identity column on a
 * partitioned table); `id` keeps its values and its order, and a non-unique index serves
 * "events stored after id N".
 */
export class PartitionedEvents1764000750000 implements MigrationInterface {
  name = 'PartitionedEvents1764000750000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION nb_partition_name(parent text, unit text, at timestamptz) RETURNS text
      LANGUAGE sql IMMUTABLE AS $$
        SELECT parent || '_' || to_char(at AT TIME ZONE 'UTC',
          CASE unit WHEN 'month' THEN '"y"YYYY"m"MM' ELSE '"y"YYYY"m"MM"d"DD' END)
      $$`);
    // Creates the partition of `parent` holding the UTC month (or day) of `at`, if missing. Rows of
    // that range the DEFAULT partition holds move into it (Postgres refuses the new partition while
    // the default holds rows of its range).
    await q.query(`
      CREATE FUNCTION nb_ensure_partition(parent text, key text, unit text, at timestamptz) RETURNS boolean
      LANGUAGE plpgsql AS $$
      DECLARE
        lo timestamptz := date_trunc(unit, at, 'UTC');
        hi timestamptz := ((lo AT TIME ZONE 'UTC') + ('1 ' || unit)::interval) AT TIME ZONE 'UTC';
        part text := nb_partition_name(parent, unit, lo);
        def text := parent || '_default';
        caught boolean;
      BEGIN
        IF to_regclass(part) IS NOT NULL THEN RETURN false; END IF;
        PERFORM pg_advisory_xact_lock(hashtext('nb_partition:' || parent));
        IF to_regclass(part) IS NOT NULL THEN RETURN false; END IF;
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', def, key, key)
          INTO caught USING lo, hi;
        IF caught THEN
          EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, def);
          EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
          EXECUTE format(
            'WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
            def, key, key, part) USING lo, hi;
          EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I DEFAULT', parent, def);
        ELSE
          EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
        END IF;
        RETURN true;
      END
      $$`);

    await q.query(`ALTER TABLE events ALTER COLUMN id DROP IDENTITY`);
    await q.query(`ALTER TABLE events RENAME TO events_unpartitioned`);
    await q.query(
      `ALTER TABLE events_unpartitioned RENAME CONSTRAINT events_pkey TO events_unpartitioned_pkey`,
    );
    for (const index of [
      'events_event_id_key',
      'events_customer_ts_idx',
      'events_product_ts_idx',
      'events_ts_brin',
    ])
      await q.query(`ALTER INDEX ${index} RENAME TO ${index.replace('events_', 'events_unpartitioned_')}`);

    await q.query(`CREATE SEQUENCE events_id_seq AS bigint`);
    await q.query(`
      CREATE TABLE events (
        id           bigint NOT NULL DEFAULT nextval('events_id_seq'),
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
      ) PARTITION BY RANGE (ts)`);
    await q.query(`ALTER SEQUENCE events_id_seq OWNED BY events.id`);
    await q.query(`CREATE TABLE events_default PARTITION OF events DEFAULT`);
    await q.query(`CREATE TABLE event_keys (event_id text PRIMARY KEY)`);

    // One partition per month the data covers, and this month and the next three.
    await q.query(`
      SELECT nb_ensure_partition('events', 'ts', 'month', m)
      FROM (SELECT DISTINCT date_trunc('month', ts, 'UTC') AS m FROM events_unpartitioned
            UNION SELECT date_trunc('month', now(), 'UTC') + make_interval(months => n)
                  FROM generate_series(0, 3) n) months
      ORDER BY m`);
    await q.query(`INSERT INTO events SELECT * FROM events_unpartitioned ORDER BY id`);
    await q.query(`INSERT INTO event_keys SELECT event_id FROM events_unpartitioned ORDER BY event_id`);
    await q.query(
      `SELECT setval('events_id_seq', COALESCE((SELECT max(id) FROM events_unpartitioned), 0) + 1, false)`,
    );
    await q.query(`DROP TABLE events_unpartitioned`);

    // Indexes after the copy (one sort per partition instead of row-by-row maintenance).
    await q.query(`CREATE INDEX events_customer_ts_idx ON events (customer_id, ts)`);
    await q.query(`CREATE INDEX events_product_ts_idx ON events (product_id, ts)`);
    await q.query(`CREATE INDEX events_ts_brin ON events USING brin (ts)`);
    await q.query(`CREATE INDEX events_id_idx ON events (id)`);
    await q.query(`ANALYZE events`);
    await q.query(`ANALYZE event_keys`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE events RENAME TO events_partitioned`);
    await q.query(`ALTER SEQUENCE events_id_seq RENAME TO events_partitioned_id_seq`);
    for (const index of [
      'events_customer_ts_idx',
      'events_product_ts_idx',
      'events_ts_brin',
      'events_id_idx',
    ])
      await q.query(`ALTER INDEX ${index} RENAME TO ${index.replace('events_', 'events_partitioned_')}`);
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
    await q.query(`INSERT INTO events OVERRIDING SYSTEM VALUE SELECT * FROM events_partitioned ORDER BY id`);
    await q.query(
      `SELECT setval(pg_get_serial_sequence('events', 'id'), COALESCE((SELECT max(id) FROM events), 0) + 1, false)`,
    );
    await q.query(`DROP TABLE events_partitioned`);
    await q.query(`DROP TABLE event_keys`);
    await q.query(`CREATE UNIQUE INDEX events_event_id_key ON events (event_id)`);
    await q.query(`CREATE INDEX events_customer_ts_idx ON events (customer_id, ts)`);
    await q.query(`CREATE INDEX events_product_ts_idx ON events (product_id, ts)`);
    await q.query(`CREATE INDEX events_ts_brin ON events USING brin (ts)`);
    await q.query(`DROP FUNCTION nb_ensure_partition(text, text, text, timestamptz)`);
    await q.query(`DROP FUNCTION nb_partition_name(text, text, timestamptz)`);
  }
}
