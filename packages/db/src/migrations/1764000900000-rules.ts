import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Merchandising rules (docs/rules.md) and the version serving compares to know its compiled rules
 * are current. The version is a one-row counter bumped in the same transaction as every rule write,
 * so a replica that reads a version also reads the rules of that version (a sequence would move
 * before the write commits).
 */
export class Rules1764000900000 implements MigrationInterface {
  name = 'Rules1764000900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rules (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name        text NOT NULL DEFAULT '',
        kind        text NOT NULL CHECK (kind IN ('pin', 'boost', 'bury', 'filter')),
        condition   text NOT NULL,
        position    integer CHECK (position >= 1),
        factor      double precision CHECK (factor > 1),
        filter      text CHECK (filter IN ('include', 'exclude')),
        context     jsonb,
        starts_at   timestamptz,
        ends_at     timestamptz,
        priority    integer NOT NULL DEFAULT 0,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE rules_version (
        id       boolean PRIMARY KEY DEFAULT true CHECK (id),
        version  bigint NOT NULL
      )`);
    await q.query(`INSERT INTO rules_version (id, version) VALUES (true, 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rules_version`);
    await q.query(`DROP TABLE rules`);
  }
}
