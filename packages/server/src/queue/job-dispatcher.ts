import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import {
  InvalidJobPayloadError,
  JOB_QUEUE,
  JobName,
  parseJobPayload,
  PermanentJobError,
  type JobOf,
  type QueueName,
} from '@nextbuy/contracts';

export type JobHandlers<Q extends QueueName> = {
  [N in JobName as (typeof JOB_QUEUE)[N] extends Q ? N : never]: (data: JobOf<N>, job: Job) => Promise<void>;
};

/**
 * One queue's jobs → handlers. Refuses to exist unless every job name of the queue has exactly
 * one handler (a job without a handler would sit in Redis forever). Decodes and validates each
 * payload; a payload or a job that can never succeed fails without retries (`UnrecoverableError`),
 * and `onFinalFailure` runs once a job has no attempts left.
 */
export class JobDispatcher<Q extends QueueName> {
  private readonly logger: Logger;
  /** Errors `dispatch` has thrown (and handled): the worker's `failed` event for them needs nothing more. */
  private readonly handled = new WeakSet<Error>();

  constructor(
    readonly queue: Q,
    private readonly handlers: JobHandlers<Q>,
    private readonly onFinalFailure: (job: Job, error: Error) => Promise<void>,
  ) {
    this.logger = new Logger(`queue:${queue}`);
    const expected = Object.values(JobName).filter((n) => JOB_QUEUE[n] === queue);
    const missing = expected.filter((n) => !(n in handlers));
    const extra = Object.keys(handlers).filter((n) => !expected.includes(n as JobName));
    if (missing.length || extra.length) {
      throw new Error(
        `queue ${queue}: ${missing.length ? `no handler for ${missing.join(', ')}` : ''}${extra.length ? ` handlers for jobs of other queues: ${extra.join(', ')}` : ''}`,
      );
    }
  }

  async dispatch(job: Job): Promise<void> {
    const handler = (
      this.handlers as Record<string, ((data: unknown, job: Job) => Promise<void>) | undefined>
    )[job.name];
    try {
      if (!handler)
        throw new InvalidJobPayloadError(`queue ${this.queue} has no handler for job "${job.name}"`);
      const data = parseJobPayload(job.name as JobName, job.data);
      const started = Date.now();
      await handler(data, job);
      this.logger.log(`${job.name} ${job.id} done in ${Date.now() - started} ms`);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const permanent = error instanceof InvalidJobPayloadError || error instanceof PermanentJobError;
      const lastAttempt = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.logger.error(`${job.name} ${job.id} failed (attempt ${job.attemptsMade + 1}): ${error.message}`);
      if (lastAttempt)
        await this.onFinalFailure(job, error).catch((f: Error) => this.logger.error(f.message));
      const thrown = permanent ? new UnrecoverableError(error.message) : error;
      this.handled.add(thrown);
      throw thrown;
    }
  }

  /**
   * The worker's `failed` event. A job can fail without reaching `dispatch`: BullMQ fails a job that
   * stalled (its worker died) more often than the stall limit allows, with no handler call. Its
   * final-failure handling runs here, or its build would stay `running` for ever.
   */
  async failed(job: Job | undefined, error: Error): Promise<void> {
    if (!job || this.handled.has(error)) return;
    const lastAttempt = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!lastAttempt) return;
    this.logger.error(`${job.name} ${job.id} failed outside its handler: ${error.message}`);
    await this.onFinalFailure(job, error).catch((f: Error) => this.logger.error(f.message));
  }
}
