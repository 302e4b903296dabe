import { HttpStatus, Injectable } from '@nestjs/common';
import { taskNameSchema, type NewTask, type TaskView } from '@nextbuy/contracts';
import { TaskExistsError, TaskRepository, TooManyTasksError, toTaskView } from '@nextbuy/db';
import { parseTaskQuery, TaskQueryError } from '@nextbuy/engine';
import { type BuildTask, taskNamed, UnknownTaskError } from '@nextbuy/rebuild';
import { ApiError } from '@nextbuy/server';

/** Prediction tasks (docs/tasks.md): stored queries, checked by the engine's parser. */
@Injectable()
export class TasksService {
  constructor(private readonly tasks: TaskRepository) {}

  async list(): Promise<TaskView[]> {
    return (await this.tasks.list()).map(toTaskView);
  }

  async get(name: string): Promise<TaskView> {
    // A name no task can have (upper case, a NUL…) is simply not there: never a query Postgres refuses.
    const task = taskNameSchema.safeParse(name).success ? await this.tasks.get(name) : null;
    if (!task) throw unknownTask(name);
    return toTaskView(task);
  }

  /** Parses the query (400 naming the position and why), then stores it (409 if the name is taken). */
  async create(body: NewTask): Promise<TaskView> {
    let definition;
    try {
      definition = parseTaskQuery(body.query);
    } catch (e) {
      if (!(e instanceof TaskQueryError)) throw e;
      throw new ApiError(HttpStatus.BAD_REQUEST, `query: ${e.message}`, {
        field: 'query',
        position: e.position,
        line: e.line,
        column: e.column,
        reason: e.reason,
      });
    }
    try {
      return toTaskView(await this.tasks.create(body.name, body.query, definition));
    } catch (e) {
      if (e instanceof TaskExistsError || e instanceof TooManyTasksError)
        throw new ApiError(HttpStatus.CONFLICT, e.message);
      throw e;
    }
  }

  /** The task a rebuild, a training or an evaluation names (400 when it is not stored). */
  async forBuild(name: string | undefined): Promise<BuildTask | undefined> {
    try {
      return await taskNamed(this.tasks, name);
    } catch (e) {
      if (e instanceof UnknownTaskError) throw new ApiError(HttpStatus.BAD_REQUEST, e.message);
      throw e;
    }
  }
}

function unknownTask(name: string): ApiError {
  return new ApiError(
    HttpStatus.NOT_FOUND,
    `task ${JSON.stringify(name)} does not exist; GET /v1/tasks lists them`,
  );
}
