import { Command } from 'commander';
import { registerDatasetCommand } from './commands/dataset.command';
import { registerImportCommand } from './commands/import.command';
import { registerMigrateCommand } from './commands/migrate.command';
import { registerStatusCommand } from './commands/status.command';
import { processOutput, type Output } from './output';

/** The `nextbuy` command tree; each command lives in `commands/*.command.ts`. */
export function buildProgram(output: Output = processOutput): Command {
  const program = new Command('nextbuy')
    .description('nextbuy: which products each customer buys next (see SPEC.md)')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => output.out(s.trimEnd()), writeErr: (s) => output.err(s.trimEnd()) });
  registerMigrateCommand(program, output);
  registerImportCommand(program, output);
  registerStatusCommand(program, output);
  registerDatasetCommand(program, output);
  return program;
}
