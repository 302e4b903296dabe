/** Anything that runs SQL: a DataSource, an EntityManager, a QueryRunner or a raw pg client wrapper. */
export interface SqlExecutor {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Rows of `SELECT` through TypeORM's `query` (an array) or a pg result (`rows`). */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return (result as { rows?: T[] }).rows ?? [];
}

/** The cheapest statement that proves the database answers (health checks). */
export async function pingDatabase(db: SqlExecutor): Promise<void> {
  await db.query('SELECT 1');
}
