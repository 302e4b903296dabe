import type { ExperimentStatus, Variant } from '@nextbuy/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One A/B experiment: draft → running → stopped; at most one runs at a time. */
@Entity({ name: 'experiments' })
export class ExperimentEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text', default: 'draft' })
  status!: ExperimentStatus;

  /** `[{name, share, config}]`, validated by `variantsSchema` (contracts) before it is written. */
  @Column({ type: 'jsonb' })
  variants!: Variant[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt!: Date | null;
}
