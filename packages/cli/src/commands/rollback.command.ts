import type { Command } from 'commander';
import { loadEnv } from '@nextbuy/config';
import { BUILD_PUBLISHED_CHANNEL } from '@nextbuy/contracts';
import { BuildRepository, BuildStateError } from '@nextbuy/db';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, safeUrl } from '../errors';
import { processOutput, type Output } from '../output';
import { closeRedis, tryConnectRedis } from '../redis';

export interface RollbackResult {
  exitCode: number;
  /** The build that was active before, if one was replaced. */
  replaced?: string | null;
}

/**
 * Re-activates a kept build, then announces it on the channel the publish stage uses, so the
 * serving apps switch at once instead of at their next poll.
 */
export async function runRollback(
  env: { DATABASE_URL: string; REDIS_URL: string },
  buildId: string,
  output: Output,
): Promise<RollbackResult> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const builds = new BuildRepository(db);
    const target = await builds.get(buildId);
    if (!target) {
      output.err(`build ${JSON.stringify(buildId)} does not exist (nextbuy status lists recent builds)`);
      return { exitCode: EXIT_FAILED };
    }
    if (target.status === 'published') {
      output.out(`build ${buildId} is already the active build`);
      return { exitCode: EXIT_OK, replaced: null };
    }
    let replaced: string | null;
    try {
      replaced = await builds.rollback(buildId);
    } catch (e) {
      if (e instanceof BuildStateError) {
        output.err(`${e.message} (build ${buildId} is ${target.status})`);
        return { exitCode: EXIT_FAILED };
      }
      throw e;
    }
    output.out(
      `build ${buildId} is the active build again${replaced ? ` (build ${replaced} is superseded)` : ''}`,
    );
    const redis = await tryConnectRedis(env.REDIS_URL);
    if (!redis) {
      output.err(
        `could not tell the serving apps (Redis at ${safeUrl(env.REDIS_URL)} is not reachable): they switch at their next poll`,
      );
      return { exitCode: EXIT_OK, replaced };
    }
    try {
      await redis.publish(BUILD_PUBLISHED_CHANNEL, buildId);
    } finally {
      await closeRedis(redis);
    }
    return { exitCode: EXIT_OK, replaced };
  });
}

export function registerRollbackCommand(program: Command, output: Output = processOutput): void {
  program
    .command('rollback')
    .description('re-activate an earlier build that is still kept (serving switches at once)')
    .argument('<build_id>', 'the build to re-activate (nextbuy status lists recent builds)')
    .action(async (buildId: string) => {
      const { exitCode } = await runRollback(loadEnv(), buildId, output);
      process.exitCode = exitCode;
    });
}
