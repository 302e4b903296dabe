import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { RULES_CHANGED_CHANNEL } from '@nextbuy/contracts';
import { RuleRepository } from '@nextbuy/db';
import { CompiledRules } from '@nextbuy/engine';
import { FollowedState, InjectEnv } from '@nextbuy/server';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';

/**
 * The merchandising rules, compiled once per version and held in memory: a request applies closures,
 * never a parse or a query. Current within a second of a change: ingestion announces each change on
 * `RULES_CHANGED_CHANNEL` (re-read at once), and the version (one row) is checked every
 * `rulesPollIntervalMs` for a notice that was lost. A failed read keeps the rules held.
 */
@Injectable()
export class ServingRulesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Rules');
  private readonly followed: FollowedState<void>;
  private compiled: CompiledRules = new CompiledRules([], '0');

  constructor(
    private readonly repository: RuleRepository,
    @InjectEnv() env: Env,
    @Inject(SERVING_CONFIG) config: ServingConfig,
  ) {
    this.followed = new FollowedState({
      redisUrl: env.REDIS_URL,
      channel: RULES_CHANGED_CHANNEL,
      pollIntervalMs: config.rulesPollIntervalMs,
      read: () => this.check(),
      onError: () => undefined, // `check` reports its own failures
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.followed.start();
  }

  onApplicationShutdown(): void {
    this.followed.stop();
  }

  /** The rules of the version held; `size` 0 when there are none. */
  get current(): CompiledRules {
    return this.compiled;
  }

  /** Checks now (joining a check under way, see `FollowedState`). */
  refresh(): Promise<void> {
    return this.followed.refresh();
  }

  /** Reads the version and, when it moved, every rule. */
  private async check(): Promise<void> {
    try {
      if ((await this.repository.version()) === this.compiled.version) return;
      const { version, rules } = await this.repository.snapshot();
      this.compiled = new CompiledRules(rules, version);
      this.logger.log(`Rules version ${version}: ${rules.length} rules`);
    } catch (e) {
      this.logger.warn(`Could not read the rules: ${(e as Error).message}`);
    }
  }
}
