import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { PermanentJobError } from '@nextbuy/contracts';
import { BuildRepository, type BuildEntity } from '@nextbuy/db';

/** This process as a build's stages record it. */
const WORKER = `${hostname()}:${process.pid}`;

/**
 * What every rebuild stage does around its own work, in either worker app: read the build and skip
 * a late job of a build that already ended, record the stage's timing (and which process ran it) on
 * the build, and fail the build when a job has no attempts left.
 */
@Injectable()
export class StageRunner {
  constructor(private readonly builds: BuildRepository) {}

  /** The build, or null when it has failed or finished meanwhile (a late job then does nothing). */
  async inFlight(buildId: string): Promise<BuildEntity | null> {
    const build = await this.builds.get(buildId);
    if (!build) throw new PermanentJobError(`build ${buildId} does not exist`);
    return build.status === 'queued' || build.status === 'running' ? build : null;
  }

  /** Runs `fn` as `stage` of the build: running, then done with its wall time. */
  async timed(buildId: string, stage: string, fn: () => Promise<void>): Promise<void> {
    const started = new Date();
    await this.builds.updateStage(buildId, stage, {
      status: 'running',
      progress: 0,
      started_at: started.toISOString(),
      worker: WORKER,
    });
    await fn();
    const finished = new Date();
    await this.builds.updateStage(buildId, stage, {
      status: 'done',
      progress: 1,
      finished_at: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
    });
  }

  /** Marks the build failed (the processors call this when a job has no attempts left). */
  async fail(buildId: string, stage: string, error: Error): Promise<void> {
    await this.builds.updateStage(buildId, stage, { status: 'failed', detail: error.message });
    await this.builds.fail(buildId, `${stage}: ${error.message}`);
  }
}
