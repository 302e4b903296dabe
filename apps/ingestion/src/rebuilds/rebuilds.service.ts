import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import {
  BUILD_PUBLISHED_CHANNEL,
  parseIsoTimestamp,
  type BuildView,
  type RollbackResult,
} from '@nextbuy/contracts';
import { BuildInFlightError, BuildRepository, BuildStateError, toBuildView } from '@nextbuy/db';
import { rebuildTriggerSettings, triggerRebuild } from '@nextbuy/rebuild';
import { JobProducer } from '@nextbuy/queue';
import { ApiError, InjectEnv, PRODUCER_REDIS } from '@nextbuy/server';
import type Redis from 'ioredis';
import { TasksService } from '../tasks/tasks.service';

@Injectable()
export class RebuildsService {
  constructor(
    private readonly builds: BuildRepository,
    private readonly producer: JobProducer,
    private readonly tasks: TasksService,
    @InjectEnv() private readonly env: Env,
    @Inject(PRODUCER_REDIS) private readonly redis: Redis,
  ) {}

  /**
   * Starts a rebuild. A second trigger while one is queued or running is refused (409) rather than
   * queued: rebuilds are minutes apart at most, and the caller decides whether to retry.
   */
  async trigger(asOfText: string | undefined, taskName?: string): Promise<{ build_id: string }> {
    let asOf: Date | undefined;
    if (asOfText !== undefined) {
      const ms = parseIsoTimestamp(asOfText);
      if (ms === undefined) {
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          `as_of must be an ISO 8601 date-time (got ${JSON.stringify(asOfText)})`,
        );
      }
      asOf = new Date(ms);
    }
    const task = await this.tasks.forBuild(taskName);
    try {
      const build = await triggerRebuild(this.builds, this.producer, rebuildTriggerSettings(this.env), {
        asOf,
        trigger: 'api',
        task,
      });
      return { build_id: build.id };
    } catch (e) {
      if (e instanceof BuildInFlightError)
        throw new ApiError(HttpStatus.CONFLICT, e.message, { build_id: e.buildId });
      throw e;
    }
  }

  async get(id: string): Promise<BuildView> {
    const build = await this.builds.get(id);
    if (!build) throw new ApiError(HttpStatus.NOT_FOUND, `build ${JSON.stringify(id)} does not exist`);
    return toBuildView(build);
  }

  async list(limit: number): Promise<BuildView[]> {
    return (await this.builds.list(limit)).map(toBuildView);
  }

  /**
   * Re-activates a kept build (like `nextbuy rollback`), then announces it on the channel the
   * publish stage uses so serving switches at once; if Redis is away, serving follows at its next poll.
   */
  async rollback(id: string): Promise<RollbackResult> {
    const target = await this.builds.get(id);
    if (!target) throw new ApiError(HttpStatus.NOT_FOUND, `build ${JSON.stringify(id)} does not exist`);
    let replaced: string | null;
    try {
      replaced = await this.builds.rollback(id);
    } catch (e) {
      if (e instanceof BuildStateError)
        throw new ApiError(HttpStatus.CONFLICT, `${e.message} (build ${id} is ${target.status})`);
      throw e;
    }
    if (replaced !== null)
      await this.redis.publish(BUILD_PUBLISHED_CHANNEL, id).catch((e: Error) => {
        Logger.warn(`rollback to ${id}: serving not told (${e.message}); it switches at its next poll`);
      });
    return { build: await this.get(id), replaced };
  }
}
