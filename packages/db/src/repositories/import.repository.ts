import type { DataSource } from 'typeorm';
import { ImportEntity, type ImportKind, type ImportRejection } from '../entities';

/** How many rejections one import keeps in Postgres; the CLI reports them all as they happen. */
export const MAX_STORED_REJECTIONS = 1000;

export interface ImportTotals {
  rowsRead: number;
  rowsStored: number;
  rowsDuplicate: number;
  rowsRejected: number;
  rejections: ImportRejection[];
}

export class ImportRepository {
  constructor(private readonly db: DataSource) {}

  async start(kind: ImportKind, source: string): Promise<string> {
    const row = await this.db.getRepository(ImportEntity).save({ kind, source, status: 'running' });
    return row.id;
  }

  async finish(id: string, totals: ImportTotals, error?: string): Promise<void> {
    await this.db.getRepository(ImportEntity).update(id, {
      status: error ? 'failed' : 'done',
      rowsRead: totals.rowsRead,
      rowsStored: totals.rowsStored,
      rowsDuplicate: totals.rowsDuplicate,
      rowsRejected: totals.rowsRejected,
      rejections: totals.rejections.slice(0, MAX_STORED_REJECTIONS),
      error: error ?? null,
      finishedAt: new Date(),
    });
  }

  latest(limit = 20): Promise<ImportEntity[]> {
    return this.db.getRepository(ImportEntity).find({ order: { id: 'DESC' }, take: limit });
  }
}
