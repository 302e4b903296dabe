import type { Command } from 'commander';
import { loadEnv } from '@nextbuy/config';
import { EVALUATION_DEFAULTS, EVALUATION_LIMITS, type EvaluationReport } from '@nextbuy/contracts';
import type { EngineConfigOverrides } from '@nextbuy/engine';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { processOutput, type Output } from '../output';
import { parseAsOf, taskOption } from './rebuild.command';

export interface EvaluateOptions {
  asOf?: string;
  horizonDays?: string;
  k?: string;
  /** A prediction task by name: its target, horizon, K (the default k) and audience. */
  task?: string;
  json?: boolean;
}

export interface EvaluateResult {
  exitCode: number;
  evaluationId?: string;
  report?: EvaluationReport;
}

function parseWhole(flag: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new FatalError(`${flag} must be a whole number from 1 to ${max} (got ${JSON.stringify(text)})`);
  return Number(text);
}

/**
 * A backtest in this process (no workers): the engine trained on events before as-of, scored
 * against the horizon's purchases, stored in `evaluations`. Exit 0 with the table (or `--json`
 * report); 1 when the horizon holds no purchases; bad arguments throw `FatalError` (exit 2).
 */
export async function runEvaluate(
  env: { DATABASE_URL: string },
  options: EvaluateOptions,
  output: Output,
  engine: EngineConfigOverrides = {},
): Promise<EvaluateResult> {
  if (options.asOf === undefined)
    throw new FatalError(
      '--as-of is required: the backtest trains on events before it (e.g. 2011-11-09T00:00:00Z)',
    );
  const asOf = parseAsOf(options.asOf)!;
  if (options.task !== undefined && options.horizonDays !== undefined)
    throw new FatalError("--horizon-days does not go with --task: the task's query states its horizon");
  const horizonDays = parseWhole(
    '--horizon-days',
    options.horizonDays,
    EVALUATION_DEFAULTS.horizonDays,
    EVALUATION_LIMITS.maxHorizonDays,
  );
  const k =
    options.k === undefined && options.task !== undefined
      ? undefined // the task's K
      : parseWhole('--k', options.k, EVALUATION_DEFAULTS.k, EVALUATION_LIMITS.maxK);
  // The rebuild package brings the engine along: loaded only by the commands that need it.
  const { runEvaluation, NoHorizonPurchasesError } = await import('@nextbuy/rebuild');
  const { formatBacktestTable } = await import('@nextbuy/engine');
  return withDatabase(env.DATABASE_URL, async (db) => {
    const started = Date.now();
    let result: Awaited<ReturnType<typeof runEvaluation>>;
    try {
      const task = await taskOption(db, options.task);
      result = await runEvaluation(db, { asOf, horizonDays, k, engine, task });
    } catch (e) {
      if (e instanceof NoHorizonPurchasesError) {
        output.err(e.message);
        return { exitCode: EXIT_FAILED };
      }
      throw e;
    }
    const { evaluationId, report } = result;
    if (options.json) {
      output.out(JSON.stringify({ evaluation_id: evaluationId, ...report }, null, 2));
    } else {
      output.out(
        `evaluation ${evaluationId}${report.task ? ` of task ${report.task}` : ''}: as of ${report.as_of}, next ${report.horizon_days} days, k = ${report.k}; ` +
          `${report.customers} customers evaluated (${report.new_customers} new), ${report.training_events} training events`,
      );
      for (const line of formatBacktestTable(report)) output.out(line);
      output.out(
        `engine ${(report.engine_ms / 1000).toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    return { exitCode: EXIT_OK, evaluationId, report };
  });
}

export function registerEvaluateCommand(program: Command, output: Output = processOutput): void {
  program
    .command('evaluate')
    .description('backtest: train on events before --as-of, score against purchases in the horizon')
    .option('--as-of <iso>', 'the cut: training sees only events strictly before it (required)')
    .option(
      '--horizon-days <n>',
      `days of purchases to score against (default ${EVALUATION_DEFAULTS.horizonDays})`,
    )
    .option('--k <n>', `list length scored (default ${EVALUATION_DEFAULTS.k}; with --task, its K)`)
    .option('--task <name>', 'score this prediction task: its target events, horizon, K and audience')
    .option('--json', 'print the stored report as JSON')
    .action(async (options: EvaluateOptions) => {
      const { exitCode } = await runEvaluate(loadEnv(), options, output);
      process.exitCode = exitCode;
    });
}
