import type { GateReport, ModelStatus } from '@nextbuy/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One trained ranker (issue #14): its provenance, the gate's report and the encoded model. */
@Entity({ name: 'models' })
export class ModelEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'text', default: 'training' })
  status!: ModelStatus;

  /** The build that trained it; null once that build is garbage-collected. */
  @Column({ name: 'build_id', type: 'bigint', nullable: true })
  buildId!: string | null;

  /** The prediction task it was trained for (its labels): one active model per task. */
  @Column({ type: 'text', default: 'default' })
  task!: string;

  /** The model saw only events before this time (settled by its build's snapshot). */
  @Column({ name: 'as_of', type: 'timestamptz', nullable: true })
  asOf!: Date | null;

  /** Cut of each training window, ISO. */
  @Column({ type: 'jsonb', default: () => `'[]'` })
  windows!: string[];

  /** The engine configuration it was trained with. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  config!: Record<string, unknown>;

  /** Feature names in column order. */
  @Column({ type: 'jsonb', default: () => `'[]'` })
  features!: string[];

  @Column({ name: 'trained_rows', type: 'integer', nullable: true })
  trainedRows!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  report!: GateReport | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** The encoded ranker (engine `encodeRanker`); not selected by listings. */
  @Column({ type: 'bytea', nullable: true, select: false })
  artifact!: Buffer | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'trained_at', type: 'timestamptz', nullable: true })
  trainedAt!: Date | null;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;
}
