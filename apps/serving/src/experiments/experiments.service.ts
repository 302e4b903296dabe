import { HttpStatus, Injectable } from '@nestjs/common';
import { type ExperimentReport, type ExperimentView, type NewExperiment } from '@nextbuy/contracts';
import {
  type ExperimentEntity,
  ExperimentNameTakenError,
  ExperimentNotFoundError,
  ExperimentRepository,
  ExperimentRunningError,
  ExperimentStateError,
  FeedbackRepository,
  toExperimentView,
} from '@nextbuy/db';
import { buildReport } from '@nextbuy/engine';
import { ApiError } from '@nextbuy/server';
import { RunningExperimentService } from './running-experiment.service';

/** The admin side of experiments: define, start, stop, report. */
@Injectable()
export class ExperimentsService {
  constructor(
    private readonly experiments: ExperimentRepository,
    private readonly feedback: FeedbackRepository,
    private readonly running: RunningExperimentService,
  ) {}

  async create(experiment: NewExperiment): Promise<ExperimentView> {
    return toExperimentView(await this.mapErrors(() => this.experiments.create(experiment)));
  }

  async list(): Promise<ExperimentView[]> {
    return (await this.experiments.list()).map(toExperimentView);
  }

  async get(id: string): Promise<ExperimentView> {
    const experiment = await this.experiments.get(id);
    if (!experiment) throw notFound(id);
    return toExperimentView(experiment);
  }

  /** This replica follows at once; others at their next poll. */
  async start(id: string): Promise<ExperimentView> {
    const started = await this.mapErrors(() => this.experiments.start(id));
    await this.running.refresh();
    return toExperimentView(started);
  }

  async stop(id: string): Promise<ExperimentView> {
    const stopped = await this.mapErrors(() => this.experiments.stop(id));
    await this.running.refresh();
    return toExperimentView(stopped);
  }

  async report(id: string): Promise<ExperimentReport> {
    const experiment = await this.get(id);
    const [served, funnel] = await Promise.all([
      this.feedback.servedPerVariant(id),
      this.feedback.funnel(id),
    ]);
    return buildReport(experiment, served, funnel);
  }

  private async mapErrors(work: () => Promise<ExperimentEntity>): Promise<ExperimentEntity> {
    try {
      return await work();
    } catch (e) {
      if (e instanceof ExperimentNotFoundError) throw notFound(e.experimentId);
      if (
        e instanceof ExperimentNameTakenError ||
        e instanceof ExperimentRunningError ||
        e instanceof ExperimentStateError
      )
        throw new ApiError(HttpStatus.CONFLICT, e.message);
      throw e;
    }
  }
}

const notFound = (id: string) =>
  new ApiError(
    HttpStatus.NOT_FOUND,
    `experiment ${JSON.stringify(id)} does not exist (GET /v1/experiments lists them)`,
  );
