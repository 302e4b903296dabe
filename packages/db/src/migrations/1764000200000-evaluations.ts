import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Stored backtests (`nextbuy evaluate`, `POST /v1/evaluations`): the report is kept as written. */
export class Evaluations1764000200000 implements MigrationInterface {
  name = 'Evaluations1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE evaluations (
        id            bigserial PRIMARY KEY,
        as_of         timestamptz NOT NULL,
        horizon_days  integer NOT NULL CHECK (horizon_days > 0),
        k             integer NOT NULL CHECK (k > 0),
        status        text NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'done', 'failed')),
        report        jsonb,
        created_at    timestamptz NOT NULL DEFAULT now(),
        finished_at   timestamptz,
        error         text
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE evaluations`);
  }
}
