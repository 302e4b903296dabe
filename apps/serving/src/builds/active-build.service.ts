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
import type Redis from 'ioredis';
import { createSubscriberConnection } from '../cache/redis-connections';
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
  private readonly subscriber: Redis;
  private current: string | null = null;
  private reading: Promise<string | null> | undefined;
  private followUp: Promise<string | null> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly builds: BuildRepository,
    @InjectEnv() env: Env,
    @Inject(SERVING_CONFIG) private readonly config: ServingConfig,
  ) {
    this.subscriber = createSubscriberConnection(env.REDIS_URL);
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string) => {
      if (channel === BUILD_PUBLISHED_CHANNEL) void this.refresh();
    });
    // After a reconnect, messages sent meanwhile are lost: look at the database once.
    this.subscriber.on('ready', () => void this.refresh());
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscriber.subscribe(BUILD_PUBLISHED_CHANNEL).catch(() => undefined);
    this.timer = setInterval(() => void this.refresh(), this.config.buildPollIntervalMs);
    this.timer.unref();
    await this.refresh();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.subscriber.disconnect();
  }

  /** The active build's id; 503 when none has been published (asks the database before saying so). */
  async require(): Promise<string> {
    const id = this.current ?? (await this.refresh({ rethrow: true }));
    if (id === null) throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, NO_BUILD_MESSAGE);
    return id;
  }

  /**
   * Re-reads the active build. Reads do not pile up: while one runs, callers share a single
   * follow-up read that starts after it (the running one may predate the publish that prompted
   * the call). A failed read keeps the build we have: a Postgres hiccup must not stop serving.
   */
  refresh({ rethrow = false } = {}): Promise<string | null> {
    let read: Promise<string | null>;
    if (!this.reading) {
      read = this.read();
    } else {
      this.followUp ??= this.reading
        .catch(() => undefined)
        .then(() => {
          this.followUp = undefined;
          return this.read();
        });
      read = this.followUp;
    }
    return read.catch((e: unknown) => {
      if (rethrow) throw e;
      this.logger.warn(`Could not read the active build: ${(e as Error).message}`);
      return this.current;
    });
  }

  private read(): Promise<string | null> {
    const reading = this.builds
      .active()
      .then((build) => {
        const id = build?.id ?? null;
        if (id !== this.current)
          this.logger.log(`Active build: ${id ?? 'none'} (was ${this.current ?? 'none'})`);
        this.current = id;
        return id;
      })
      .finally(() => {
        if (this.reading === reading) this.reading = undefined;
      });
    this.reading = reading;
    return reading;
  }
}
