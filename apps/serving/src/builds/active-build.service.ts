import {
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { BUILD_PUBLISHED_CHANNEL, DEFAULT_TASK_NAME } from '@nextbuy/contracts';
import { BuildRepository, TaskRepository, type TaskBuild } from '@nextbuy/db';
import { ApiError, FollowedState, InjectEnv } from '@nextbuy/server';
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
  /** Other tasks' published builds (`?task=`), each read at most once per poll interval; cleared on a publish. */
  private readonly taskBuilds = new Map<string, { build: TaskBuild; readAt: number }>();
  private readonly taskReadMs: number;

  constructor(
    private readonly builds: BuildRepository,
    private readonly tasks: TaskRepository,
    @InjectEnv() env: Env,
    @Inject(SERVING_CONFIG) config: ServingConfig,
  ) {
    this.taskReadMs = config.buildPollIntervalMs;
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

  /**
   * The active build's id (of `task` when one other than the default is named); 503 when none has
   * been published (asks the database before saying so), 404 for a task that does not exist.
   */
  async require(task?: string): Promise<string> {
    if (task !== undefined && task !== DEFAULT_TASK_NAME) return this.requireTask(task);
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

  private async requireTask(name: string): Promise<string> {
    const now = Date.now();
    let entry = this.taskBuilds.get(name);
    if (!entry || now - entry.readAt > this.taskReadMs) {
      const build = await this.tasks.publishedBuild(name);
      if (!build)
        throw new ApiError(
          HttpStatus.NOT_FOUND,
          `task ${JSON.stringify(name)} does not exist; GET /v1/tasks on ingestion lists them`,
        );
      entry = { build, readAt: now };
      // Only stored tasks are remembered (at most TASK_LIMITS.maxTasks): unknown names cost a read each.
      this.taskBuilds.set(name, entry);
    }
    if (entry.build.buildId === null)
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        `task ${JSON.stringify(name)} has no published build yet; run nextbuy rebuild --task ${name}`,
      );
    return entry.build.buildId;
  }

  private warn(e: unknown): void {
    this.logger.warn(`Could not read the active build: ${(e as Error).message}`);
  }

  private async read(): Promise<string | null> {
    // A publish (of any task) or a poll: other tasks' builds are read again when next asked for.
    this.taskBuilds.clear();
    const build = await this.builds.active();
    const id = build?.id ?? null;
    if (id !== this.current) this.logger.log(`Active build: ${id ?? 'none'} (was ${this.current ?? 'none'})`);
    this.current = id;
    return id;
  }
}
