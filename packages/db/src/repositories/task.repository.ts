import { DEFAULT_TASK_NAME, TASK_LIMITS, type TaskDefinition, type TaskView } from '@nextbuy/contracts';
import type { DataSource } from 'typeorm';
import { rowsOf } from './sql';

/** A task with this name exists already (names are their identity: builds and models point at them). */
export class TaskExistsError extends Error {
  constructor(readonly taskName: string) {
    super(
      `task ${JSON.stringify(taskName)} already exists; a task's query never changes (create one under another name)`,
    );
  }
}

export class TooManyTasksError extends Error {
  constructor() {
    super(`there are already ${TASK_LIMITS.maxTasks} tasks (the most held at once)`);
  }
}

export interface TaskRecord {
  name: string;
  query: string;
  definition: TaskDefinition;
  created_at: Date;
}

/** A task's name and the build serving answers it from (null: none published yet). */
export interface TaskBuild {
  task: string;
  buildId: string | null;
}

/**
 * The `tasks` table (docs/tasks.md): name, query text, and the definition the engine parsed it into.
 * Tasks are created, never changed: a build or a model names its task, and what it was built for
 * must stay what the task says. The default task is seeded by its migration.
 */
export class TaskRepository {
  constructor(private readonly db: DataSource) {}

  /** The default task first, then by name. */
  async list(): Promise<TaskRecord[]> {
    return rowsOf<TaskRecord>(
      await this.db.query(
        `SELECT name, query, definition, created_at FROM tasks ORDER BY name = $1 DESC, name`,
        [DEFAULT_TASK_NAME],
      ),
    );
  }

  async get(name: string): Promise<TaskRecord | null> {
    const [row] = rowsOf<TaskRecord>(
      await this.db.query(`SELECT name, query, definition, created_at FROM tasks WHERE name = $1`, [name]),
    );
    return row ?? null;
  }

  /** Stores a checked task; `TaskExistsError` when the name is taken, `TooManyTasksError` past the limit. */
  async create(name: string, query: string, definition: TaskDefinition): Promise<TaskRecord> {
    try {
      const [row] = rowsOf<TaskRecord>(
        await this.db.query(
          `INSERT INTO tasks (name, query, definition)
           SELECT $1, $2, $3::jsonb WHERE (SELECT count(*) FROM tasks) < $4
           RETURNING name, query, definition, created_at`,
          [name, query, JSON.stringify(definition), TASK_LIMITS.maxTasks],
        ),
      );
      if (!row) throw new TooManyTasksError();
      return row;
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new TaskExistsError(name);
      throw e;
    }
  }

  /** Whether the task exists, and its published build, in one round trip (serving's `?task=`). */
  async publishedBuild(name: string): Promise<TaskBuild | null> {
    const [row] = rowsOf<{ name: string; id: string | null }>(
      await this.db.query(
        `SELECT t.name, b.id::text AS id FROM tasks t
         LEFT JOIN builds b ON b.task = t.name AND b.status = 'published'
         WHERE t.name = $1`,
        [name],
      ),
    );
    return row ? { task: row.name, buildId: row.id } : null;
  }
}

export function toTaskView(t: TaskRecord): TaskView {
  return {
    name: t.name,
    query: t.query,
    definition: t.definition,
    created_at: new Date(t.created_at).toISOString(),
  };
}
