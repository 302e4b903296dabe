import { HttpStatus, Injectable } from '@nestjs/common';
import {
  EVALUATION_DEFAULTS,
  JobName,
  parseIsoTimestamp,
  type EvaluationRequest,
  type EvaluationView,
} from '@nextbuy/contracts';
import { EvaluationRepository, toEvaluationView } from '@nextbuy/db';
import { JobProducer } from '@nextbuy/queue';
import { ApiError } from '@nextbuy/server';

@Injectable()
export class EvaluationsService {
  constructor(
    private readonly evaluations: EvaluationRepository,
    private readonly producer: JobProducer,
  ) {}

  /** Stores the request as a queued evaluation, then queues the job that fills it (features app). */
  async start(body: EvaluationRequest): Promise<{ evaluation_id: string }> {
    const ms = parseIsoTimestamp(body.as_of);
    if (ms === undefined)
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        `as_of must be an ISO 8601 date-time (got ${JSON.stringify(body.as_of)})`,
      );
    const row = await this.evaluations.create({
      asOf: new Date(ms),
      horizonDays: body.horizon_days ?? EVALUATION_DEFAULTS.horizonDays,
      k: body.k ?? EVALUATION_DEFAULTS.k,
    });
    try {
      await this.producer.add(
        JobName.EvaluationRun,
        { evaluationId: row.id },
        { jobId: `evaluation-${row.id}` },
      );
    } catch (e) {
      await this.evaluations.fail(row.id, `could not enqueue the evaluation: ${(e as Error).message}`);
      throw e;
    }
    return { evaluation_id: row.id };
  }

  async get(id: string): Promise<EvaluationView> {
    const row = await this.evaluations.get(id);
    if (!row) throw new ApiError(HttpStatus.NOT_FOUND, `evaluation ${JSON.stringify(id)} does not exist`);
    return toEvaluationView(row);
  }

  async list(limit: number): Promise<EvaluationView[]> {
    return (await this.evaluations.list(limit)).map(toEvaluationView);
  }
}
