import {
  isStoredIdText,
  type EvaluationReport,
  type EvaluationStatus,
  type EvaluationView,
} from '@nextbuy/contracts';
import { rowsOf, type SqlExecutor } from './sql';

export interface NewEvaluation {
  asOf: Date;
  horizonDays: number;
  k: number;
}

export interface EvaluationRow {
  id: string;
  as_of: Date;
  horizon_days: number;
  k: number;
  status: EvaluationStatus;
  report: EvaluationReport | null;
  created_at: Date;
  finished_at: Date | null;
  error: string | null;
}

const COLUMNS = `id::text AS id, as_of, horizon_days, k, status, report, created_at, finished_at, error`;

/** The `evaluations` table: one row per backtest, queued → running → done | failed. */
export class EvaluationRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(e: NewEvaluation, status: EvaluationStatus = 'queued'): Promise<EvaluationRow> {
    const [row] = rowsOf<EvaluationRow>(
      await this.db.query(
        `INSERT INTO evaluations (as_of, horizon_days, k, status) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [e.asOf, e.horizonDays, e.k, status],
      ),
    );
    return row!;
  }

  async get(id: string): Promise<EvaluationRow | null> {
    if (!isStoredIdText(id)) return null;
    const [row] = rowsOf<EvaluationRow>(
      await this.db.query(`SELECT ${COLUMNS} FROM evaluations WHERE id = $1`, [id]),
    );
    return row ?? null;
  }

  async list(limit = 20): Promise<EvaluationRow[]> {
    return rowsOf<EvaluationRow>(
      await this.db.query(`SELECT ${COLUMNS} FROM evaluations ORDER BY id DESC LIMIT $1`, [limit]),
    );
  }

  /** Claims a queued (or retried running) evaluation; false when it already finished. */
  async markRunning(id: string): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE evaluations SET status = 'running', error = NULL WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [id],
    );
    // TypeORM answers an UPDATE with [rows, affected]; a raw pg client with a result.
    const rows =
      Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as unknown[]) : rowsOf(result);
    return rows.length > 0;
  }

  async finish(id: string, report: EvaluationReport): Promise<void> {
    await this.db.query(
      `UPDATE evaluations SET status = 'done', report = $2::jsonb, error = NULL, finished_at = now() WHERE id = $1`,
      [id, JSON.stringify(report)],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE evaluations SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
      [id, error.slice(0, 4000)],
    );
  }
}

export function toEvaluationView(r: EvaluationRow): EvaluationView {
  return {
    evaluation_id: String(r.id),
    status: r.status,
    as_of: new Date(r.as_of).toISOString(),
    horizon_days: Number(r.horizon_days),
    k: Number(r.k),
    created_at: new Date(r.created_at).toISOString(),
    finished_at: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    error: r.error,
    report: r.report,
  };
}
