import type { Command } from 'commander';
import { loadEnv } from '@nextbuy/config';
import { describeIssues, taskInputSchema, type TaskView } from '@nextbuy/contracts';
import { TaskExistsError, TaskRepository, TooManyTasksError, toTaskView } from '@nextbuy/db';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { processOutput, type Output } from '../output';

type DatabaseEnv = { DATABASE_URL: string };

export interface TasksResult {
  exitCode: number;
  task?: TaskView;
  tasks?: TaskView[];
}

/** One task in a line: name, what it predicts, K, who. */
export function taskLine(t: TaskView): string {
  const d = t.definition;
  const who = d.filter ? 'filtered customers' : 'every customer';
  return `${t.name.padEnd(16)} ${d.target.event_types.join('|')} in the next ${d.target.horizon_days} days, top ${d.k}, ${who}`;
}

/**
 * `nextbuy tasks create NAME 'QUERY'`: parses the query with the engine (an error points at the
 * position and says why), then stores it. Exit 1 for a query that does not parse or a taken name.
 */
export async function runTasksCreate(
  env: DatabaseEnv,
  name: string,
  query: string,
  options: { json?: boolean },
  output: Output,
): Promise<TasksResult> {
  const parsed = taskInputSchema.safeParse({ name, query }, { reportInput: true });
  if (!parsed.success) throw new FatalError(`invalid task: ${describeIssues(parsed.error).join('; ')}`);
  // The engine (the parser) is loaded only by the command that needs it.
  const { parseTaskQuery, TaskQueryError } = await import('@nextbuy/engine');
  let definition;
  try {
    definition = parseTaskQuery(parsed.data.query);
  } catch (e) {
    if (!(e instanceof TaskQueryError)) throw e;
    const line = parsed.data.query.split('\n')[e.line - 1] ?? '';
    output.err(`query: ${e.message}`);
    output.err(`  ${line}`);
    output.err(`  ${' '.repeat(Math.max(0, e.column - 1))}^`);
    return { exitCode: EXIT_FAILED };
  }
  return withDatabase(env.DATABASE_URL, async (db) => {
    try {
      const task = toTaskView(
        await new TaskRepository(db).create(parsed.data.name, parsed.data.query, definition),
      );
      output.out(options.json ? JSON.stringify(task, null, 2) : taskLine(task));
      if (!options.json)
        output.out(
          `next: nextbuy train --task ${task.name} --wait; nextbuy rebuild --task ${task.name} --wait`,
        );
      return { exitCode: EXIT_OK, task };
    } catch (e) {
      if (!(e instanceof TaskExistsError || e instanceof TooManyTasksError)) throw e;
      output.err(e.message);
      return { exitCode: EXIT_FAILED };
    }
  });
}

export async function runTasksList(
  env: DatabaseEnv,
  options: { json?: boolean },
  output: Output,
): Promise<TasksResult> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const tasks = (await new TaskRepository(db).list()).map(toTaskView);
    if (options.json) output.out(JSON.stringify(tasks, null, 2));
    else for (const t of tasks) output.out(taskLine(t));
    return { exitCode: EXIT_OK, tasks };
  });
}

export async function runTasksShow(
  env: DatabaseEnv,
  name: string,
  options: { json?: boolean },
  output: Output,
): Promise<TasksResult> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const row = await new TaskRepository(db).get(name);
    if (!row) {
      output.err(`task ${JSON.stringify(name)} does not exist (nextbuy tasks list)`);
      return { exitCode: EXIT_FAILED };
    }
    const task = toTaskView(row);
    if (options.json) output.out(JSON.stringify(task, null, 2));
    else {
      output.out(taskLine(task));
      output.out(task.query);
      output.out(JSON.stringify(task.definition));
    }
    return { exitCode: EXIT_OK, task };
  });
}

export function registerTasksCommand(program: Command, output: Output = processOutput): void {
  const tasks = program
    .command('tasks')
    .description('prediction tasks: what to predict, for whom, how many (docs/tasks.md)');
  const done = ({ exitCode }: { exitCode: number }) => {
    process.exitCode = exitCode;
  };
  tasks
    .command('list')
    .description('every task, the default one first')
    .option('--json', 'print JSON (the API’s shape)')
    .action(async (options: { json?: boolean }) => done(await runTasksList(loadEnv(), options, output)));
  tasks
    .command('create')
    .description('store a task; then train, rebuild and evaluate with --task NAME')
    .argument('<name>', 'lower-case letters, digits, _ and -')
    .argument(
      '<query>',
      'e.g. "PREDICT LIST_DISTINCT(events.product_id WHERE type IN (\'cart_add\'), 0, 7, days) RANK TOP 20 FOR EACH customers.customer_id"',
    )
    .option('--json', 'print the task as JSON')
    .action(async (name: string, query: string, options: { json?: boolean }) =>
      done(await runTasksCreate(loadEnv(), name, query, options, output)),
    );
  tasks
    .command('show')
    .description('one task: its query and definition')
    .argument('<name>', 'the task name (nextbuy tasks list)')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) =>
      done(await runTasksShow(loadEnv(), name, options, output)),
    );
}
