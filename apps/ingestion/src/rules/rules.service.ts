import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { type NewRule, RULES_CHANGED_CHANNEL, type RuleView } from '@nextbuy/contracts';
import { RuleNotFoundError, RuleRepository, TooManyRulesError, toRuleView } from '@nextbuy/db';
import { ConditionSyntaxError, parseCondition } from '@nextbuy/engine';
import { ApiError, PRODUCER_REDIS } from '@nextbuy/server';
import type Redis from 'ioredis';

/** Merchandising rules: stored in Postgres; each change is announced so serving follows within a second. */
@Injectable()
export class RulesService {
  constructor(
    private readonly rules: RuleRepository,
    @Inject(PRODUCER_REDIS) private readonly notifier: Pick<Redis, 'publish'>,
  ) {}

  async list(): Promise<RuleView[]> {
    return (await this.rules.list()).map(toRuleView);
  }

  async get(id: string): Promise<RuleView> {
    const rule = await this.rules.get(id);
    if (!rule) throw notFound(id);
    return toRuleView(rule);
  }

  async create(rule: NewRule): Promise<RuleView> {
    checkCondition(rule.condition);
    try {
      const created = await this.rules.create(rule);
      await this.announce();
      return toRuleView(created);
    } catch (e) {
      if (e instanceof TooManyRulesError) throw new ApiError(HttpStatus.CONFLICT, e.message);
      throw e;
    }
  }

  async replace(id: string, rule: NewRule): Promise<RuleView> {
    checkCondition(rule.condition);
    try {
      const replaced = await this.rules.replace(id, rule);
      await this.announce();
      return toRuleView(replaced);
    } catch (e) {
      if (e instanceof RuleNotFoundError) throw notFound(id);
      throw e;
    }
  }

  async remove(id: string): Promise<void> {
    if (!(await this.rules.remove(id))) throw notFound(id);
    await this.announce();
  }

  /** Serving re-reads the rules at once; if Redis is away, its check every second finds the change. */
  private async announce(): Promise<void> {
    await this.notifier.publish(RULES_CHANGED_CHANNEL, 'rules').catch((e: Error) => {
      Logger.warn(`rules change: serving not told (${e.message}); it catches up at its next check`);
    });
  }
}

/** A condition that does not parse is a 400 naming the position and what was expected there. */
function checkCondition(condition: string): void {
  try {
    parseCondition(condition);
  } catch (e) {
    if (!(e instanceof ConditionSyntaxError)) throw e;
    throw new ApiError(HttpStatus.BAD_REQUEST, `condition: ${e.message}`, {
      field: 'condition',
      position: e.position,
      line: e.line,
      column: e.column,
      reason: e.reason,
    });
  }
}

function notFound(id: string): ApiError {
  return new ApiError(
    HttpStatus.NOT_FOUND,
    `rule ${JSON.stringify(id)} does not exist; GET /v1/rules lists them`,
  );
}
