import { Command } from 'commander';
import { registerDatasetCommand } from './commands/dataset.command';
import { registerEvaluateCommand } from './commands/evaluate.command';
import { registerExperimentsCommand } from './commands/experiments.command';
import { registerRulesCommand } from './commands/rules.command';
import { registerTasksCommand } from './commands/tasks.command';
import { registerExportCommand } from './commands/export.command';
import { registerImportCommand } from './commands/import.command';
import { registerKeysCommand } from './commands/keys.command';
import { registerMigrateCommand } from './commands/migrate.command';
import { registerModelsCommand } from './commands/models.command';
import { registerRebuildCommand } from './commands/rebuild.command';
import { registerRecommendCommand } from './commands/recommend.command';
import { registerRollbackCommand } from './commands/rollback.command';
import { registerStatusCommand } from './commands/status.command';
import { registerTrainCommand } from './commands/train.command';
import { processOutput, type Output } from './output';

/** The `nextbuy` command tree; each command lives in `commands/*.command.ts`. */
export function buildProgram(output: Output = processOutput): Command {
  const program = new Command('nextbuy')
    .description('nextbuy: which products each customer buys next (see SPEC.md)')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => output.out(s.trimEnd()), writeErr: (s) => output.err(s.trimEnd()) });
  registerMigrateCommand(program, output);
  registerImportCommand(program, output);
  registerRebuildCommand(program, output);
  registerStatusCommand(program, output);
  registerRollbackCommand(program, output);
  registerTrainCommand(program, output);
  registerModelsCommand(program, output);
  registerRecommendCommand(program, output);
  registerKeysCommand(program, output);
  registerExportCommand(program, output);
  registerDatasetCommand(program, output);
  registerEvaluateCommand(program, output);
  registerExperimentsCommand(program, output);
  registerRulesCommand(program, output);
  registerTasksCommand(program, output);
  return program;
}
