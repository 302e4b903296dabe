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
import { InjectEnv } from '@nextbuy/server';
import type Redis from 'ioredis';
import { createSubscriberConnection } from '../cache/redis-connections';
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
  private readonly subscriber: Redis;
  private compiled: CompiledRules = new CompiledRules([], '0');
  private checking: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: RuleRepository,
    @InjectEnv() env: Env,
    @Inject(SERVING_CONFIG) private readonly config: ServingConfig,
  ) {
    this.subscriber = createSubscriberConnection(env.REDIS_URL);
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string) => {
      if (channel === RULES_CHANGED_CHANNEL) void this.refresh();
    });
    this.subscriber.on('ready', () => void this.refresh());
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscriber.subscribe(RULES_CHANGED_CHANNEL).catch(() => undefined);
    this.timer = setInterval(() => void this.refresh(), this.config.rulesPollIntervalMs);
    this.timer.unref();
    await this.refresh();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.subscriber.disconnect();
  }

  /** The rules of the version held; `size` 0 when there are none. */
  get current(): CompiledRules {
    return this.compiled;
  }

  /**
   * Reads the version and, when it moved, every rule. Checks do not pile up: a call while one runs
   * asks for one more after it (the running one may predate the change that prompted the call).
   */
  refresh(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = this.check().finally(() => {
      this.checking = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.checking;
  }

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
