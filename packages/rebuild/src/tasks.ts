import type { TaskDefinition } from '@nextbuy/contracts';
import type { TaskRepository } from '@nextbuy/db';

/** A build, a training or an evaluation names a task that is not stored. */
export class UnknownTaskError extends Error {
  constructor(readonly taskName: string) {
    super(
      `task ${JSON.stringify(taskName)} does not exist; nextbuy tasks list (GET /v1/tasks) shows the tasks`,
    );
  }
}

/** A task as a build runs it: its name and its stored definition. */
export interface BuildTask {
  name: string;
  definition: TaskDefinition;
}

/**
 * The stored task a build, a training or an evaluation asked for; undefined when none was named
 * (today's behaviour: the default task with the engine's defaults).
 */
export async function taskNamed(
  tasks: TaskRepository,
  name: string | undefined,
): Promise<BuildTask | undefined> {
  if (name === undefined) return undefined;
  const task = await tasks.get(name);
  if (!task) throw new UnknownTaskError(name);
  return { name: task.name, definition: task.definition };
}
