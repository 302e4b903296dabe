import { isStoredIdText, type NewRule, RULE_LIMITS, type RuleView } from '@nextbuy/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { RuleEntity } from '../entities';

export class RuleNotFoundError extends Error {
  constructor(readonly ruleId: string) {
    super(`rule ${JSON.stringify(ruleId)} does not exist`);
  }
}

export class TooManyRulesError extends Error {
  constructor() {
    super(`there are already ${RULE_LIMITS.maxRules} rules (the most held at once); remove some first`);
  }
}

/** A rule as the engine applies it (`MerchandisingRule`, @nextbuy/engine): ids are bigints, small in practice. */
export interface RuleDefinition {
  id: number;
  kind: RuleEntity['kind'];
  condition: string;
  position: number | null;
  factor: number | null;
  filter: RuleEntity['filter'];
  context: RuleEntity['context'];
  starts_at: Date | null;
  ends_at: Date | null;
  priority: number;
}

/** Every rule and the version they make, read in one snapshot. */
export interface RulesVersion {
  version: string;
  rules: RuleDefinition[];
}

/**
 * The `rules` table. Every write bumps `rules_version` in its transaction, so serving, which polls
 * the version, never holds rules older than the version it read.
 */
export class RuleRepository {
  constructor(private readonly db: DataSource) {}

  /** Oldest first. */
  list(): Promise<RuleEntity[]> {
    return this.db.getRepository(RuleEntity).find({ order: { id: 'ASC' } });
  }

  /** `null` for an unknown id (or text that cannot be one). */
  get(id: string): Promise<RuleEntity | null> {
    return isStoredIdText(id) ? this.db.getRepository(RuleEntity).findOneBy({ id }) : Promise.resolve(null);
  }

  async create(rule: NewRule): Promise<RuleEntity> {
    return this.write(async (m) => {
      const [{ count }] = await m.query<[{ count: number }]>(`SELECT count(*)::int AS count FROM rules`);
      if (count >= RULE_LIMITS.maxRules) throw new TooManyRulesError();
      const [row] = await m.query<[{ id: string }]>(
        `INSERT INTO rules (name, kind, condition, position, factor, filter, context, starts_at, ends_at, priority)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id::text AS id`,
        columns(rule),
      );
      return row.id;
    });
  }

  /** Replaces the rule (a PUT); `RuleNotFoundError` for an unknown id. */
  async replace(id: string, rule: NewRule): Promise<RuleEntity> {
    if (!isStoredIdText(id)) throw new RuleNotFoundError(id);
    return this.write(async (m) => {
      const [rows] = await m.query<[{ id: string }[], number]>(
        `UPDATE rules SET name = $2, kind = $3, condition = $4, position = $5, factor = $6, filter = $7,
           context = $8, starts_at = $9, ends_at = $10, priority = $11, updated_at = now()
         WHERE id = $1 RETURNING id::text AS id`,
        [id, ...columns(rule)],
      );
      if (rows.length === 0) throw new RuleNotFoundError(id);
      return id;
    });
  }

  /** Deletes the rule; `false` for an unknown id. */
  async remove(id: string): Promise<boolean> {
    if (!isStoredIdText(id)) return false;
    return this.db.transaction(async (m) => {
      const [, deleted] = await m.query<[unknown, number]>(`DELETE FROM rules WHERE id = $1`, [id]);
      if (deleted === 0) return false;
      await bump(m);
      return true;
    });
  }

  /** The current version alone: serving's cheap check (one row). */
  async version(): Promise<string> {
    const [row] = await this.db.query<{ version: string }[]>(
      `SELECT version::text AS version FROM rules_version`,
    );
    return row?.version ?? '0';
  }

  /** Every rule with the version they make, from one snapshot. */
  snapshot(): Promise<RulesVersion> {
    return this.db.transaction('REPEATABLE READ', async (m) => {
      const version = (
        await m.query<{ version: string }[]>(`SELECT version::text AS version FROM rules_version`)
      )[0];
      const rules = await m.getRepository(RuleEntity).find({ order: { id: 'ASC' } });
      return { version: version?.version ?? '0', rules: rules.map(toRuleDefinition) };
    });
  }

  private async write(change: (m: EntityManager) => Promise<string>): Promise<RuleEntity> {
    const id = await this.db.transaction(async (m) => {
      const written = await change(m);
      await bump(m);
      return written;
    });
    return (await this.get(id))!;
  }
}

async function bump(m: EntityManager): Promise<void> {
  await m.query(`UPDATE rules_version SET version = version + 1`);
}

function columns(rule: NewRule): unknown[] {
  return [
    rule.name,
    rule.kind,
    rule.condition,
    rule.position,
    rule.factor,
    rule.filter,
    rule.context === null ? null : JSON.stringify(rule.context),
    rule.starts_at,
    rule.ends_at,
    rule.priority,
  ];
}

function toRuleDefinition(r: RuleEntity): RuleDefinition {
  return {
    id: Number(r.id),
    kind: r.kind,
    condition: r.condition,
    position: r.position,
    factor: r.factor,
    filter: r.filter,
    context: r.context,
    starts_at: r.startsAt,
    ends_at: r.endsAt,
    priority: r.priority,
  };
}

export function toRuleView(r: RuleEntity): RuleView {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    rule_id: String(r.id),
    name: r.name,
    kind: r.kind,
    condition: r.condition,
    position: r.position,
    factor: r.factor,
    filter: r.filter,
    context: r.context,
    starts_at: iso(r.startsAt),
    ends_at: iso(r.endsAt),
    priority: r.priority,
    created_at: new Date(r.createdAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}
