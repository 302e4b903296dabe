import { isStoredIdText, type ExperimentView, type NewExperiment } from '@nextbuy/contracts';
import type { DataSource } from 'typeorm';
import { ExperimentEntity } from '../entities';

/** Another experiment already has this name. */
export class ExperimentNameTakenError extends Error {
  constructor(readonly experimentName: string) {
    super(`an experiment named ${JSON.stringify(experimentName)} already exists; pick another name`);
  }
}

export class ExperimentNotFoundError extends Error {
  constructor(readonly experimentId: string) {
    super(`experiment ${JSON.stringify(experimentId)} does not exist`);
  }
}

/** The experiment cannot move to the asked state (start a stopped one, stop a draft, …). */
export class ExperimentStateError extends Error {}

/** Another experiment is running: one runs at a time, so every customer sees exactly one variant. */
export class ExperimentRunningError extends Error {
  constructor(readonly runningId: string) {
    super(`experiment ${runningId} is running; stop it first (at most one experiment runs at a time)`);
  }
}

const constraintOf = (e: unknown) => (e as { constraint?: string }).constraint;

/** The `experiments` table: draft → running → stopped (a stopped experiment keeps its report). */
export class ExperimentRepository {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(ExperimentEntity);
  }

  async create(experiment: NewExperiment): Promise<ExperimentEntity> {
    try {
      return await this.repo.save({ name: experiment.name, variants: experiment.variants, status: 'draft' });
    } catch (e) {
      if (constraintOf(e) === 'experiments_name_key') throw new ExperimentNameTakenError(experiment.name);
      throw e;
    }
  }

  /** `null` for an unknown id (or text that cannot be one). */
  get(id: string): Promise<ExperimentEntity | null> {
    return isStoredIdText(id) ? this.repo.findOneBy({ id }) : Promise.resolve(null);
  }

  /** Newest first. */
  list(limit = 100): Promise<ExperimentEntity[]> {
    return this.repo.find({ order: { id: 'DESC' }, take: limit });
  }

  running(): Promise<ExperimentEntity | null> {
    return this.repo.findOneBy({ status: 'running' });
  }

  /** draft → running. The partial unique index refuses a second running experiment, whatever the race. */
  async start(id: string): Promise<ExperimentEntity> {
    const current = await this.require(id);
    if (current.status !== 'draft')
      throw new ExperimentStateError(
        `experiment ${id} is ${current.status}: only a draft experiment can start (create a new one to run it again)`,
      );
    try {
      await this.repo.update({ id, status: 'draft' }, { status: 'running', startedAt: () => 'now()' });
    } catch (e) {
      if (constraintOf(e) === 'experiments_one_running') {
        const running = await this.running();
        throw new ExperimentRunningError(running?.id ?? '?');
      }
      throw e;
    }
    return this.require(id);
  }

  /** running → stopped. */
  async stop(id: string): Promise<ExperimentEntity> {
    const current = await this.require(id);
    if (current.status !== 'running')
      throw new ExperimentStateError(
        `experiment ${id} is ${current.status}: only a running experiment can stop`,
      );
    await this.repo.update({ id, status: 'running' }, { status: 'stopped', stoppedAt: () => 'now()' });
    return this.require(id);
  }

  private async require(id: string): Promise<ExperimentEntity> {
    const row = await this.get(id);
    if (!row) throw new ExperimentNotFoundError(id);
    return row;
  }
}

export function toExperimentView(e: ExperimentEntity): ExperimentView {
  return {
    experiment_id: String(e.id),
    name: e.name,
    status: e.status,
    variants: e.variants,
    created_at: new Date(e.createdAt).toISOString(),
    started_at: e.startedAt ? new Date(e.startedAt).toISOString() : null,
    stopped_at: e.stoppedAt ? new Date(e.stoppedAt).toISOString() : null,
  };
}
