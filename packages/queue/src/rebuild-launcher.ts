import type { BuildEntity, BuildRepository } from '@nextbuy/db';
import { JobName } from '@nextbuy/contracts';
import type { JobProducer } from './producer';
import { jobIds } from './rebuild-flows';

export interface RebuildRequest {
  /** Reference time; absent means the newest event's timestamp (settled by the snapshot stage). */
  asOf?: Date;
  trigger: 'api' | 'cli' | 'schedule' | 'evaluate';
  /** Recorded on the build: what it was built with. */
  config: Record<string, unknown>;
  /** A build in flight without progress for this long is failed as abandoned first. */
  staleAfterMinutes?: number;
}

/**
 * Starts a rebuild: one `builds` row, then its first job. The database refuses a second build in
 * flight (`BuildInFlightError`); if Redis refuses the job, the build is marked failed at once so it
 * never blocks the next trigger.
 */
export async function startRebuild(
  builds: BuildRepository,
  producer: JobProducer,
  req: RebuildRequest,
): Promise<BuildEntity> {
  const build = await builds.create(
    { asOf: req.asOf ?? null, trigger: req.trigger, config: req.config },
    req.staleAfterMinutes,
  );
  try {
    await producer.add(JobName.Snapshot, { buildId: build.id }, { jobId: jobIds.snapshot(build.id) });
  } catch (e) {
    await builds.fail(build.id, `could not enqueue the rebuild: ${(e as Error).message}`);
    throw e;
  }
  return build;
}
