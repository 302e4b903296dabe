import { HttpStatus, Injectable } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import {
  parseIsoTimestamp,
  type ModelActivation,
  type ModelView,
  type TrainAccepted,
} from '@nextbuy/contracts';
import {
  BuildInFlightError,
  BuildRepository,
  ModelRepository,
  ModelStateError,
  toModelView,
} from '@nextbuy/db';
import { rebuildTriggerSettings, triggerTraining } from '@nextbuy/rebuild';
import { JobProducer } from '@nextbuy/queue';
import { ApiError, InjectEnv } from '@nextbuy/server';
import { TasksService } from '../tasks/tasks.service';

/** Models (issue #14): training them through the queues, reading them, and choosing the active one. */
@Injectable()
export class ModelsService {
  constructor(
    private readonly builds: BuildRepository,
    private readonly models: ModelRepository,
    private readonly producer: JobProducer,
    private readonly tasks: TasksService,
    @InjectEnv() private readonly env: Env,
  ) {}

  /** Starts a training build (refused with 409 while any build is in flight, like rebuilds). */
  async train(asOfText: string | undefined, taskName?: string): Promise<TrainAccepted> {
    let asOf: Date | undefined;
    if (asOfText !== undefined) {
      const ms = parseIsoTimestamp(asOfText);
      if (ms === undefined)
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          `as_of must be an ISO 8601 date-time (got ${JSON.stringify(asOfText)})`,
        );
      asOf = new Date(ms);
    }
    const task = await this.tasks.forBuild(taskName);
    try {
      const { build, model } = await triggerTraining(
        this.builds,
        this.models,
        this.producer,
        rebuildTriggerSettings(this.env),
        { asOf, trigger: 'api', task },
      );
      return { build_id: build.id, model_id: model.id };
    } catch (e) {
      if (e instanceof BuildInFlightError)
        throw new ApiError(HttpStatus.CONFLICT, e.message, { build_id: e.buildId });
      throw e;
    }
  }

  async list(limit: number): Promise<ModelView[]> {
    return (await this.models.list(limit)).map(toModelView);
  }

  async get(id: string): Promise<ModelView> {
    const model = await this.models.get(id);
    if (!model) throw new ApiError(HttpStatus.NOT_FOUND, `model ${JSON.stringify(id)} does not exist`);
    return toModelView(model);
  }

  /** Makes a trained model the active one; the next rebuild ranks with it. */
  async activate(id: string): Promise<ModelActivation> {
    await this.get(id);
    try {
      const replaced = await this.models.activate(id);
      return { model: await this.get(id), replaced };
    } catch (e) {
      if (e instanceof ModelStateError) throw new ApiError(HttpStatus.CONFLICT, e.message);
      throw e;
    }
  }

  /** Re-activates the model that was active before the active one. */
  async rollback(): Promise<ModelActivation> {
    try {
      const { id, replaced } = await this.models.rollback();
      return { model: await this.get(id), replaced };
    } catch (e) {
      if (e instanceof ModelStateError) throw new ApiError(HttpStatus.CONFLICT, e.message);
      throw e;
    }
  }
}
