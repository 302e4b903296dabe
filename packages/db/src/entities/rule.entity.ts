import type { RuleKindName } from '@nextbuy/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One merchandising rule (docs/rules.md); written through `RuleRepository`, which bumps `rules_version`. */
@Entity({ name: 'rules' })
export class RuleEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'text', default: '' })
  name!: string;

  @Column({ type: 'text' })
  kind!: RuleKindName;

  /** The condition as written; the engine parses it (`parseCondition`). */
  @Column({ type: 'text' })
  condition!: string;

  @Column({ type: 'integer', nullable: true })
  position!: number | null;

  @Column({ type: 'double precision', nullable: true })
  factor!: number | null;

  @Column({ type: 'text', nullable: true })
  filter!: 'include' | 'exclude' | null;

  @Column({ type: 'jsonb', nullable: true })
  context!: { segment?: string; product_id?: string; category?: string } | null;

  @Column({ name: 'starts_at', type: 'timestamptz', nullable: true })
  startsAt!: Date | null;

  @Column({ name: 'ends_at', type: 'timestamptz', nullable: true })
  endsAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  priority!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
