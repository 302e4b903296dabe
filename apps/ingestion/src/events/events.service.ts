import { HttpStatus, Injectable } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { assignEventIds, eventRecordSchema, validateEach, type EventsAccepted } from '@nextbuy/contracts';
import { EventRepository } from '@nextbuy/db';
import { ApiError, InjectEnv } from '@nextbuy/server';

@Injectable()
export class EventsService {
  private readonly maxBatch: number;

  constructor(
    private readonly events: EventRepository,
    @InjectEnv() env: Env,
  ) {
    this.maxBatch = env.EVENTS_MAX_BATCH;
  }

  /**
   * Validates each event on its own, stores the good ones in Postgres (idempotent by `event_id`;
   * events without one get a content-derived id) and reports the bad ones by index. An empty batch
   * is a no-op answered like any other (202 with zeros), so clients can flush empty buffers.
   */
  async ingest(items: readonly unknown[]): Promise<EventsAccepted> {
    if (items.length > this.maxBatch) {
      throw new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        `Too many events: ${items.length} in one request, the limit is ${this.maxBatch}; split the batch`,
        { limit: this.maxBatch, received: items.length },
      );
    }
    const { valid, rejected } = validateEach(eventRecordSchema, items);
    const { inserted, duplicates } = await this.events.insertBatch(assignEventIds(valid));
    return { accepted: inserted, duplicates, rejected };
  }
}
