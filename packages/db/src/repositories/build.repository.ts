import type { DataSource } from 'typeorm';
import { DEFAULT_TASK_NAME, isStoredIdText, type BuildView, type StageState } from '@nextbuy/contracts';
import { BuildEntity, type BuildKind } from '../entities';
import { rowsOf } from './sql';

/** A second rebuild was asked for while one is queued or running. */
export class BuildInFlightError extends Error {
  constructor(readonly buildId: string) {
    super(
      `build ${buildId} is already in flight; wait for it to finish (nextbuy status) before starting another`,
    );
  }
}

/** The build cannot move to the asked state (e.g. rollback to a build that never published). */
export class BuildStateError extends Error {}

export interface NewBuild {
  asOf: Date | null;
  trigger: string;
  config: Record<string, unknown>;
  /** Default `rebuild`. */
  kind?: BuildKind;
  /** The prediction task (default `default`): the build ranks with that task's active model. */
  task?: string;
}

/**
 * A training build's model fails with it: every statement that fails builds runs this after its
 * own (`$failed` = the ids it failed, `$error` = why).
 */
const FAIL_THEIR_MODELS = `UPDATE models SET status = 'failed', error = f.error FROM failed f
  WHERE models.build_id = f.id AND models.status = 'training'`;

export class BuildRepository {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(BuildEntity);
  }

  /**
   * Inserts a queued build; the database refuses a second one in flight (rebuild or training). A
   * build in flight without any progress for `staleAfterMinutes` is marked failed first, so lost
   * jobs cannot block rebuilds forever. A rebuild ranks with its task's active model if that model saw
   * nothing at or after the build's as-of (the newest event's time when none is given): chosen here,
   * in the same statement, so the build's stage list is known from its creation.
   */
  async create(build: NewBuild, staleAfterMinutes?: number): Promise<BuildEntity> {
    if (staleAfterMinutes !== undefined) await this.abandonStale(staleAfterMinutes);
    try {
      const [row] = rowsOf<{ id: string }>(
        await this.db.query(
          `INSERT INTO builds (status, as_of, trigger, config, kind, task, model_id)
           SELECT 'queued', $1::timestamptz, $2, $3::jsonb, $4::text, $5::text,
             CASE WHEN $4::text = 'rebuild' THEN (
               SELECT m.id FROM models m WHERE m.status = 'active' AND m.task = $5::text
                 AND m.as_of <= COALESCE($1::timestamptz, (SELECT max(ts) FROM events))
             ) END
           RETURNING id`,
          [
            build.asOf,
            build.trigger,
            JSON.stringify(build.config),
            build.kind ?? 'rebuild',
            build.task ?? DEFAULT_TASK_NAME,
          ],
        ),
      );
      return (await this.repo.findOneBy({ id: String(row!.id) }))!;
    } catch (e) {
      if ((e as { code?: string; constraint?: string }).constraint === 'builds_one_in_flight') {
        const [running] = await this.inFlight();
        throw new BuildInFlightError(running?.id ?? '?');
      }
      throw e;
    }
  }

  /** Fails builds in flight whose last sign of life (creation, start, any stage event) is too old. */
  async abandonStale(staleAfterMinutes: number): Promise<string[]> {
    const rows = rowsOf<{ id: string }>(
      await this.db.query(
        `WITH failed AS (
           UPDATE builds b SET status = 'failed', finished_at = now(),
             error = 'abandoned: no progress for ' || $1 || ' minutes (its jobs were lost, e.g. Redis restarted without persistence)'
           WHERE b.status IN ('queued', 'running')
             AND GREATEST(
                   b.created_at,
                   COALESCE(b.started_at, b.created_at),
                   COALESCE((SELECT max(GREATEST((s.value ->> 'started_at')::timestamptz, (s.value ->> 'finished_at')::timestamptz))
                             FROM jsonb_each(b.stages) s), b.created_at)
                 ) < now() - make_interval(mins => $1)
           RETURNING b.id, b.error
         ), models_failed AS (${FAIL_THEIR_MODELS})
         SELECT id FROM failed`,
        [staleAfterMinutes],
      ),
    );
    return rows.map((r) => String(r.id));
  }

  get(id: string): Promise<BuildEntity | null> {
    return isStoredIdText(id) ? this.repo.findOneBy({ id }) : Promise.resolve(null);
  }

  list(limit = 20): Promise<BuildEntity[]> {
    return this.repo.find({ order: { id: 'DESC' }, take: limit });
  }

  /** The published build of a task (the default task's: what serving answers without `?task=`). */
  active(task: string = DEFAULT_TASK_NAME): Promise<BuildEntity | null> {
    return this.repo.findOneBy({ status: 'published', task });
  }

  inFlight(): Promise<BuildEntity[]> {
    return this.repo.find({ where: [{ status: 'queued' }, { status: 'running' }], order: { id: 'ASC' } });
  }

  /** How many customers the store knows (a rebuild's shard count follows it). */
  async knownCustomers(): Promise<number> {
    const [row] = rowsOf<{ n: number }>(await this.db.query(`SELECT count(*)::int AS n FROM customers`));
    return row?.n ?? 0;
  }

  /** The snapshot stage settles the reference time. Returns false when the build is no longer in flight. */
  async markRunning(id: string, asOf: Date): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set({ status: 'running', asOf, startedAt: () => 'COALESCE(started_at, now())' })
      .where('id = :id AND status IN (:...s)', { id, s: ['queued', 'running'] })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Merges into one stage's state (parallel stages update their own key atomically). */
  async updateStage(id: string, stage: string, state: Partial<StageState>): Promise<void> {
    await this.db.query(
      `UPDATE builds SET stages = jsonb_set(stages, ARRAY[$2::text], COALESCE(stages -> $2, '{}'::jsonb) || $3::jsonb) WHERE id = $1`,
      [id, stage, JSON.stringify(state)],
    );
  }

  async addCounts(id: string, counts: Record<string, number>): Promise<void> {
    await this.db.query(`UPDATE builds SET counts = counts || $2::jsonb WHERE id = $1`, [
      id,
      JSON.stringify(counts),
    ]);
  }

  /**
   * Marks a build failed unless it already published or trained (a late failure never hides a good
   * build); the model a training build was making fails with it.
   */
  async fail(id: string, error: string): Promise<void> {
    await this.db.query(
      `WITH failed AS (
         UPDATE builds SET status = 'failed', error = $2, finished_at = now()
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING id, error
       ) ${FAIL_THEIR_MODELS}`,
      [id, error.slice(0, 4000)],
    );
  }

  /** A training build ends by storing its model (it never publishes). False when no longer running. */
  async finishTraining(id: string): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.db.query(
        `WITH x AS (UPDATE builds SET status = 'trained', finished_at = now() WHERE id = $1 AND status = 'running' RETURNING id) SELECT id FROM x`,
        [id],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Flips the active build of the build's task in one transaction (another task's published build
   * stays). Returns the build it replaced, if any.
   */
  publish(id: string): Promise<string | null> {
    return this.flip(id, ['running'], `build ${id} is not running: only a running build can publish`);
  }

  /** Re-activates a kept earlier build. */
  rollback(id: string): Promise<string | null> {
    return this.flip(
      id,
      ['superseded'],
      `build ${id} cannot be re-activated: only a superseded build that is still kept can`,
    );
  }

  private flip(id: string, from: string[], refusal: string): Promise<string | null> {
    return this.db.transaction(async (m) => {
      const [target] = rowsOf<{ status: string }>(
        await m.query(`SELECT status FROM builds WHERE id = $1 FOR UPDATE`, [id]),
      );
      if (!target) throw new BuildStateError(`build ${id} does not exist`);
      if (target.status === 'published') return null;
      if (!from.includes(target.status)) throw new BuildStateError(refusal);
      const [previous] = rowsOf<{ id: string }>(
        await m.query(
          `WITH x AS (
             UPDATE builds SET status = 'superseded'
             WHERE status = 'published' AND task = (SELECT task FROM builds WHERE id = $1) RETURNING id
           ) SELECT id FROM x`,
          [id],
        ),
      );
      await m.query(
        `UPDATE builds SET status = 'published', published_at = now(), finished_at = COALESCE(finished_at, now()) WHERE id = $1`,
        [id],
      );
      return previous ? String(previous.id) : null;
    });
  }

  /**
   * Deletes builds (and, by cascade, everything they wrote) beyond the newest `keep` published or
   * superseded ones of each task, and failed or trained builds older than the oldest kept one of
   * their task — but never a published build, nor the
   * build that trained the active model or a candidate (its stage timings stay readable; its
   * artifacts are gone already). A deleted build's models stay: they are records of their own.
   * Returns the deleted ids.
   */
  async collectGarbage(keep: number): Promise<string[]> {
    const rows = rowsOf<{ id: string }>(
      await this.db.query(
        `WITH ranked AS (
           SELECT id, task, row_number() OVER (PARTITION BY task ORDER BY id DESC) AS n
           FROM builds WHERE status IN ('published', 'superseded')
         ), kept AS (
           SELECT id, task FROM ranked WHERE n <= $1
         ), doomed AS (
           DELETE FROM builds b
           WHERE b.status IN ('superseded', 'failed', 'trained')
             AND b.id NOT IN (SELECT id FROM kept)
             AND NOT EXISTS (SELECT 1 FROM models m WHERE m.build_id = b.id AND m.status IN ('active', 'candidate'))
             AND b.id < COALESCE((SELECT min(k.id) FROM kept k WHERE k.task = b.task), b.id + 1)
           RETURNING b.id
         ) SELECT id FROM doomed ORDER BY id`,
        [Math.max(1, keep)],
      ),
    );
    return rows.map((r) => String(r.id));
  }
}

export function toBuildView(b: BuildEntity): BuildView {
  const end = b.finishedAt ?? (b.status === 'running' ? new Date() : null);
  return {
    build_id: b.id,
    status: b.status,
    trigger: b.trigger,
    as_of: b.asOf?.toISOString() ?? null,
    created_at: b.createdAt.toISOString(),
    started_at: b.startedAt?.toISOString() ?? null,
    finished_at: b.finishedAt?.toISOString() ?? null,
    seconds: b.startedAt && end ? Math.round((end.getTime() - b.startedAt.getTime()) / 10) / 100 : null,
    stages: b.stages as Record<string, StageState>,
    counts: b.counts,
    config: b.config,
    error: b.error,
    active: b.status === 'published',
    kind: b.kind,
    task: b.task,
    model_id: b.modelId,
  };
}
