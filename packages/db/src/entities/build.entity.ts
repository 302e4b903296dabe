import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const BUILD_STATUSES = ['queued', 'running', 'failed', 'published', 'superseded', 'trained'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
export type BuildKind = 'rebuild' | 'training';

/** One rebuild: everything it writes elsewhere is keyed by its id. */
@Entity({ name: 'builds' })
export class BuildEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'text', default: 'queued' })
  status!: BuildStatus;

  /** Reference time: the build sees only events before it. */
  @Column({ name: 'as_of', type: 'timestamptz', nullable: true })
  asOf!: Date | null;

  /** `rebuild` publishes lists; `training` fits a ranker and stores it as a model. */
  @Column({ type: 'text', default: 'rebuild' })
  kind!: BuildKind;

  /** The prediction task it builds for (docs/tasks.md): one published build per task. */
  @Column({ type: 'text', default: 'default' })
  task!: string;

  /** The stored model a rebuild ranks with (chosen at creation); null: it fits its own ranker. */
  @Column({ name: 'model_id', type: 'bigint', nullable: true })
  modelId!: string | null;

  /** Who asked: api, cli, schedule, evaluate. */
  @Column({ type: 'text', default: 'api' })
  trigger!: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  config!: Record<string, unknown>;

  /** Per stage: status, progress, started/finished times. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  stages!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  counts!: Record<string, number>;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
