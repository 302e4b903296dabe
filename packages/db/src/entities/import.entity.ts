import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const IMPORT_KINDS = ['products', 'customers', 'events'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportRejection {
  line: number;
  errors: string[];
}

/** One file loaded by `nextbuy import`: what was read, stored, skipped and why. */
@Entity({ name: 'imports' })
export class ImportEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'text' })
  kind!: ImportKind;

  @Column({ type: 'text' })
  source!: string;

  @Column({ type: 'text', default: 'running' })
  status!: 'running' | 'done' | 'failed';

  @Column({ name: 'rows_read', type: 'integer', default: 0 })
  rowsRead!: number;

  @Column({ name: 'rows_stored', type: 'integer', default: 0 })
  rowsStored!: number;

  /** Already present (same event_id, or an identical row imported before). */
  @Column({ name: 'rows_duplicate', type: 'integer', default: 0 })
  rowsDuplicate!: number;

  @Column({ name: 'rows_rejected', type: 'integer', default: 0 })
  rowsRejected!: number;

  /** The first rejections (capped), so a huge bad file cannot bloat this table. */
  @Column({ type: 'jsonb', default: () => `'[]'` })
  rejections!: ImportRejection[];

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
