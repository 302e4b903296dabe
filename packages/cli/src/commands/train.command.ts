import type { Command } from 'commander';
import { loadEnv } from '@nextbuy/config';
import { BuildRepository, ModelRepository, toModelView } from '@nextbuy/db';
import { processOutput, type Output } from '../output';
import { printModel } from './models.command';
import {
  DEFAULT_WATCH,
  runBuild,
  type RebuildEnv,
  type RebuildOptions,
  type RebuildResult,
  taskOption,
  type WatchTuning,
} from './rebuild.command';
import { withDatabase } from '../database';

/**
 * `nextbuy train`: a training build through the queues (snapshot → training windows → ranker →
 * gate); with `--wait`, followed to its end and the stored model and its gate report printed.
 */
export async function runTrain(
  env: RebuildEnv,
  options: RebuildOptions,
  output: Output,
  tuning: WatchTuning = DEFAULT_WATCH,
): Promise<RebuildResult> {
  const { triggerTraining, rebuildTriggerSettings } = await import('@nextbuy/rebuild');
  const result = await runBuild(env, options, output, tuning, async (db, producer, asOf) => {
    const { build, model } = await triggerTraining(
      new BuildRepository(db),
      new ModelRepository(db),
      producer,
      rebuildTriggerSettings(env),
      { asOf, trigger: 'cli', task: await taskOption(db, options.task) },
    );
    output.out(`model ${model.id} is training`);
    return build;
  });
  if (options.wait && result.build) {
    const buildId = result.build.build_id;
    await withDatabase(env.DATABASE_URL, async (db) => {
      const model = await new ModelRepository(db).ofBuild(buildId);
      if (model) printModel(toModelView(model), output);
    });
  }
  return result;
}

export function registerTrainCommand(program: Command, output: Output = processOutput): void {
  program
    .command('train')
    .description('train a ranker model through the queues; the gate decides whether it becomes active')
    .option('--as-of <iso>', 'reference time (default: the newest event)')
    .option(
      '--task <name>',
      "train for this prediction task's target and horizon (default: the default task)",
    )
    .option('--wait', 'show progress, then the model and its gate report (exit 1 when training fails)')
    .action(async (options: RebuildOptions) => {
      const { exitCode } = await runTrain(loadEnv(), options, output);
      process.exitCode = exitCode;
    });
}
