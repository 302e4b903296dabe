import {
  HttpStatus,
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  describeJsonType,
  type FeedbackAccepted,
  feedbackSchema,
  validate,
  validateEach,
} from '@nextbuy/contracts';
import { FeedbackRepository, type ReceivedFeedback } from '@nextbuy/db';
import { ApiError } from '@nextbuy/server';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';
import type { BatchBuffer } from './batch-buffer';
import { closeWriteBehind, writeBehind } from './write-behind';

const WHAT = 'Feedback';

/**
 * Storefront feedback: validated on the request, written behind it in batches (thousands of events a
 * second cost a few inserts). Attribution to build, variant, position and strategy happens at report
 * time through `recommendation_id`, so feedback that arrives before its answer's log row is kept.
 */
@Injectable()
export class FeedbackService implements OnModuleInit, OnApplicationShutdown {
  private readonly buffer: BatchBuffer<ReceivedFeedback>;

  constructor(
    feedback: FeedbackRepository,
    @Inject(SERVING_CONFIG) private readonly config: ServingConfig,
  ) {
    this.buffer = writeBehind(WHAT, (rows) => feedback.insertFeedback(rows), config);
  }

  onModuleInit(): void {
    this.buffer.start();
  }

  onApplicationShutdown(): Promise<void> {
    return closeWriteBehind(WHAT, this.buffer);
  }

  /**
   * One event (an object: 400 when invalid) or an array of them (each validated on its own, the bad
   * ones listed by index). 503 when the buffer is full, so the storefront retries later.
   */
  accept(body: unknown): FeedbackAccepted {
    let valid: ReceivedFeedback[];
    let rejected: FeedbackAccepted['rejected'] = [];
    const receivedAt = new Date();
    if (Array.isArray(body)) {
      if (body.length > this.config.feedbackMaxBatch)
        throw new ApiError(
          HttpStatus.PAYLOAD_TOO_LARGE,
          `Too many feedback events: ${body.length} in one request, the limit is ${this.config.feedbackMaxBatch}; split the batch`,
          { limit: this.config.feedbackMaxBatch, received: body.length },
        );
      const checked = validateEach(feedbackSchema, body);
      valid = checked.valid.map((f) => ({ ...f, receivedAt }));
      rejected = checked.rejected;
    } else {
      if (typeof body !== 'object' || body === null)
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          `Invalid feedback: the body must be a feedback object or a JSON array of them (got ${describeJsonType(body)})`,
        );
      const checked = validate(feedbackSchema, body);
      if (!checked.ok)
        throw new ApiError(HttpStatus.BAD_REQUEST, `Invalid feedback: ${checked.errors.join('; ')}`, {
          errors: checked.errors,
        });
      valid = [{ ...checked.value, receivedAt }];
    }
    if (!this.buffer.push(...valid))
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'feedback cannot be stored right now (Postgres is unreachable and the buffer is full); retry later',
      );
    return { accepted: valid.length, rejected };
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }
}
