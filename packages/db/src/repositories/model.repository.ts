import type { DataSource, EntityManager } from 'typeorm';
import {
  DEFAULT_TASK_NAME,
  isStoredIdText,
  type GateReport,
  type ModelStatus,
  type ModelView,
} from '@nextbuy/contracts';
import { ModelEntity } from '../entities';
import { rowsOf } from './sql';

/** The model cannot move to the asked state (activate a failed model, roll back with no earlier one). */
export class ModelStateError extends Error {}

/** What a finished training stores with its model. */
export interface TrainedModel {
  /** The task it was trained for (default `default`). */
  task?: string;
  artifact: Uint8Array;
  asOf: Date;
  windows: string[];
  config: Record<string, unknown>;
  features: string[];
  trainedRows: number;
  report: GateReport | null;
}

/**
 * The models table (issue #14). At most one model is active (the partial unique index
 * `models_one_active`); every change of the active model is a flip of two rows in one transaction
 * (the active one retired, the new one active), so there is never a moment with two or, during a
 * change, none.
 */
export class ModelRepository {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(ModelEntity);
  }

  /** The row a training build fills when its gate has run (as-of settled by its snapshot). */
  async createTraining(
    buildId: string,
    asOf: Date | null,
    config: Record<string, unknown>,
    task: string = DEFAULT_TASK_NAME,
  ): Promise<ModelEntity> {
    return this.repo.save({ status: 'training', buildId, asOf, config, task });
  }

  /** The snapshot of a training build settles its reference time. */
  async setAsOf(buildId: string, asOf: Date): Promise<void> {
    await this.db.query(`UPDATE models SET as_of = $2 WHERE build_id = $1 AND status = 'training'`, [
      buildId,
      asOf,
    ]);
  }

  get(id: string): Promise<ModelEntity | null> {
    return isStoredIdText(id) ? this.repo.findOneBy({ id }) : Promise.resolve(null);
  }

  /** The model a build is training (or trained), if any. */
  ofBuild(buildId: string): Promise<ModelEntity | null> {
    return this.repo.findOne({ where: { buildId }, order: { id: 'DESC' } });
  }

  list(limit = 20): Promise<ModelEntity[]> {
    return this.repo.find({ order: { id: 'DESC' }, take: limit });
  }

  /** The active model of a task (rebuilds of that task rank with it). */
  active(task: string = DEFAULT_TASK_NAME): Promise<ModelEntity | null> {
    return this.repo.findOneBy({ status: 'active', task });
  }

  /** The encoded ranker of a trained model. */
  async artifact(id: string): Promise<Uint8Array> {
    const [row] = rowsOf<{ artifact: Buffer | null }>(
      await this.db.query(`SELECT artifact FROM models WHERE id = $1`, [id]),
    );
    if (!row?.artifact) throw new ModelStateError(`model ${id} has no trained artifact`);
    return new Uint8Array(row.artifact.buffer, row.artifact.byteOffset, row.artifact.byteLength);
  }

  /**
   * Stores a trained model: the training row `id` of a training build, or (id null) a new row for a
   * rebuild that fitted its own ranker. `activate` makes it the active model in the same
   * transaction (the previous one retired) — only if the active model is still `expectedActive`
   * (the one the gate compared with); otherwise it stays a candidate. Returns the stored row's id
   * and its status.
   */
  store(
    id: string | null,
    buildId: string | null,
    model: TrainedModel,
    status: Exclude<ModelStatus, 'training' | 'failed'>,
    expectedActive: string | null = null,
  ): Promise<{ id: string; status: ModelStatus }> {
    const task = model.task ?? DEFAULT_TASK_NAME;
    return this.db.transaction(async (m) => {
      let final = status;
      if (status === 'active') {
        const current = await lockActive(m, task);
        if ((current ?? null) !== expectedActive) final = 'candidate';
        else if (current) await m.query(`UPDATE models SET status = 'retired' WHERE id = $1`, [current]);
      }
      const values = [
        final,
        buildId,
        model.asOf,
        JSON.stringify(model.windows),
        JSON.stringify(model.config),
        JSON.stringify(model.features),
        model.trainedRows,
        model.report ? JSON.stringify(model.report) : null,
        Buffer.from(model.artifact.buffer, model.artifact.byteOffset, model.artifact.byteLength),
        task,
      ];
      const [row] = rowsOf<{ id: string }>(
        id === null
          ? await m.query(
              `INSERT INTO models (status, build_id, as_of, windows, config, features, trained_rows, report, artifact, task, trained_at, activated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), CASE WHEN $1 = 'active' THEN now() END)
               RETURNING id`,
              values,
            )
          : await m.query(
              `UPDATE models SET status = $1, build_id = $2, as_of = $3, windows = $4, config = $5, features = $6,
                 trained_rows = $7, report = $8, artifact = $9, task = $10, trained_at = now(),
                 activated_at = CASE WHEN $1 = 'active' THEN now() ELSE activated_at END
               WHERE id = $11 RETURNING id`,
              [...values, id],
            ),
      );
      if (!row) throw new ModelStateError(`model ${id} does not exist`);
      return { id: String(row.id), status: final };
    });
  }

  /**
   * Makes a trained model the active one of its task: that task's active model is retired and this
   * one activated in one transaction. Returns the model it replaced (null when it was already active
   * or none was).
   */
  activate(id: string): Promise<string | null> {
    return this.db.transaction(async (m) => {
      const [found] = rowsOf<{ task: string }>(await m.query(`SELECT task FROM models WHERE id = $1`, [id]));
      if (!found) throw new ModelStateError(`model ${id} does not exist`);
      const current = await lockActive(m, found.task);
      const [target] = rowsOf<{ status: ModelStatus }>(
        await m.query(`SELECT status FROM models WHERE id = $1 FOR UPDATE`, [id]),
      );
      if (!target) throw new ModelStateError(`model ${id} does not exist`);
      if (target.status === 'active') return null;
      if (target.status !== 'candidate' && target.status !== 'retired')
        throw new ModelStateError(
          `model ${id} is ${target.status}: only a trained model (candidate or retired) can be activated`,
        );
      if (current) await m.query(`UPDATE models SET status = 'retired' WHERE id = $1`, [current]);
      await m.query(`UPDATE models SET status = 'active', activated_at = now() WHERE id = $1`, [id]);
      return current;
    });
  }

  /**
   * Re-activates the model that was active before the active one (the retired model activated most
   * recently before it); the active one is retired. Repeated, it walks back through the models
   * that were active, newest first. Returns the re-activated model and the one it replaced.
   */
  rollback(task: string = DEFAULT_TASK_NAME): Promise<{ id: string; replaced: string }> {
    return this.db.transaction(async (m) => {
      await lockActive(m, task);
      const [current] = rowsOf<{ id: string; activated_at: Date | null }>(
        await m.query(
          `SELECT id, activated_at FROM models WHERE status = 'active' AND task = $1 FOR UPDATE`,
          [task],
        ),
      );
      if (!current) throw new ModelStateError('no model is active: there is nothing to roll back');
      const [previous] = rowsOf<{ id: string }>(
        await m.query(
          `SELECT id FROM models WHERE status = 'retired' AND activated_at IS NOT NULL AND task = $3
             AND activated_at < COALESCE($1, 'infinity'::timestamptz) AND id <> $2
           ORDER BY activated_at DESC LIMIT 1 FOR UPDATE`,
          [current.activated_at, current.id, task],
        ),
      );
      if (!previous)
        throw new ModelStateError(
          `model ${current.id} is the first model that was active: there is none to roll back to`,
        );
      await m.query(`UPDATE models SET status = 'retired' WHERE id = $1`, [current.id]);
      // activated_at stays: a second rollback walks further back instead of flipping back.
      await m.query(`UPDATE models SET status = 'active' WHERE id = $1`, [previous.id]);
      return { id: String(previous.id), replaced: String(current.id) };
    });
  }
}

/** Transaction-scoped advisory lock key of "the active model" (any constant unique to this use). */
const ACTIVE_MODEL_LOCK = 1_764_000_700;

/**
 * Takes the active-model lock for the rest of the transaction, then reads the active model's id
 * (null: none). Row locks alone do not serialise two flips under READ COMMITTED: the second would
 * wait on the old active row, find it retired, and not see the new one.
 */
async function lockActive(m: EntityManager, task: string): Promise<string | null> {
  // One lock for every task's active model: flips are rare, one key is simplest.
  await m.query(`SELECT pg_advisory_xact_lock($1)`, [ACTIVE_MODEL_LOCK]);
  const [row] = rowsOf<{ id: string }>(
    await m.query(`SELECT id FROM models WHERE status = 'active' AND task = $1`, [task]),
  );
  return row ? String(row.id) : null;
}

export function toModelView(m: ModelEntity): ModelView {
  return {
    model_id: m.id,
    status: m.status,
    task: m.task,
    build_id: m.buildId,
    as_of: m.asOf?.toISOString() ?? null,
    created_at: m.createdAt.toISOString(),
    trained_at: m.trainedAt?.toISOString() ?? null,
    activated_at: m.activatedAt?.toISOString() ?? null,
    windows: m.windows,
    config: m.config,
    features: m.features,
    trained_rows: m.trainedRows,
    report: m.report,
    error: m.error,
  };
}
