import { HttpStatus, Injectable } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { parseIsoTimestamp, type BuildView } from '@nextbuy/contracts';
import { BuildInFlightError, BuildRepository, toBuildView } from '@nextbuy/db';
import { rebuildTriggerSettings, triggerRebuild } from '@nextbuy/rebuild';
import { JobProducer } from '@nextbuy/queue';
import { ApiError, InjectEnv } from '@nextbuy/server';

@Injectable()
export class RebuildsService {
  constructor(
    private readonly builds: BuildRepository,
    private readonly producer: JobProducer,
    @InjectEnv() private readonly env: Env,
  ) {}

  /**
   * Starts a rebuild. A second trigger while one is queued or running is refused (409) rather than
   * queued: rebuilds are minutes apart at most, and the caller decides whether to retry.
   */
  async trigger(asOfText: string | undefined): Promise<{ build_id: string }> {
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
    try {
      const build = await triggerRebuild(this.builds, this.producer, rebuildTriggerSettings(this.env), {
        asOf,
        trigger: 'api',
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
}
