import {
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { BUILD_PUBLISHED_CHANNEL } from '@nextbuy/contracts';
import { BuildRepository } from '@nextbuy/db';
import { ApiError, InjectEnv } from '@nextbuy/server';
import { FollowedState } from '../cache/followed-state';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';

export const NO_BUILD_MESSAGE = 'no build has been published yet; run a rebuild';

/**
 * The id of the published build, kept in memory. A publish announces itself on
 * `BUILD_PUBLISHED_CHANNEL` and the switch follows at once; a re-read every few seconds catches
 * messages lost while the subscriber reconnected. The message is only a cue: the id is always read
 * from `builds`, so a stray message (another deployment on the same Redis) cannot switch the build.
 */
@Injectable()
export class ActiveBuildService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ActiveBuild');
  private readonly followed: FollowedState<string | null>;
  private current: string | null = null;

  constructor(
    private readonly builds: BuildRepository,
    @InjectEnv() env: Env,
    @Inject(SERVING_CONFIG) config: ServingConfig,
  ) {
    this.followed = new FollowedState({
      redisUrl: env.REDIS_URL,
      channel: BUILD_PUBLISHED_CHANNEL,
      pollIntervalMs: config.buildPollIntervalMs,
      read: () => this.read(),
      onError: (e) => this.warn(e),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.followed.start().catch((e: unknown) => this.warn(e));
  }

  onApplicationShutdown(): void {
    this.followed.stop();
  }

  /** The active build's id; 503 when none has been published (asks the database before saying so). */
  async require(): Promise<string> {
    const id = this.current ?? (await this.refresh({ rethrow: true }));
    if (id === null) throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, NO_BUILD_MESSAGE);
    return id;
  }

  /**
   * Re-reads the active build (joining a read under way, see `FollowedState`). A failed read keeps
   * the build we have: a Postgres hiccup must not stop serving.
   */
  refresh({ rethrow = false } = {}): Promise<string | null> {
    return this.followed.refresh().catch((e: unknown) => {
      if (rethrow) throw e;
      this.warn(e);
      return this.current;
    });
  }

  private warn(e: unknown): void {
    this.logger.warn(`Could not read the active build: ${(e as Error).message}`);
  }

  private async read(): Promise<string | null> {
    const build = await this.builds.active();
    const id = build?.id ?? null;
    if (id !== this.current) this.logger.log(`Active build: ${id ?? 'none'} (was ${this.current ?? 'none'})`);
    this.current = id;
    return id;
  }
}
