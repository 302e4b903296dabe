import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { assignEventIds, validateEach, validateEvent, type EventsAccepted } from '@nextbuy/contracts';
import { EventRepository } from '@nextbuy/db';
import { enqueueCustomerRefreshes, JobProducer, RefreshDebouncer } from '@nextbuy/queue';
import { ApiError, InjectEnv } from '@nextbuy/server';

@Injectable()
export class EventsService {
  private readonly logger = new Logger('events');
  private readonly maxBatch: number;
  /** Per-customer refresh delays: debounced, capped by REALTIME_MAX_WAIT_MS for chatty customers. */
  private readonly debouncer: RefreshDebouncer;
  /** Logged once per Redis outage, not once per request. */
  private refreshFailing = false;

  constructor(
    private readonly events: EventRepository,
    private readonly producer: JobProducer,
    @InjectEnv() env: Env,
  ) {
    this.maxBatch = env.EVENTS_MAX_BATCH;
    this.debouncer = new RefreshDebouncer(env.REALTIME_DEBOUNCE_MS, env.REALTIME_MAX_WAIT_MS);
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
    const { valid, rejected } = validateEach(validateEvent, items);
    const { inserted, duplicates } = await this.events.insertBatch(assignEventIds(valid));
    if (inserted > 0) this.refresh(valid.map((e) => e.customer_id));
    return { accepted: inserted, duplicates, rejected };
  }

  /**
   * Asks for the customers' real-time refresh once their events are committed, without waiting:
   * the answer never depends on Redis, and if it is away the next rebuild covers these events.
   */
  private refresh(customerIds: string[]): void {
    enqueueCustomerRefreshes(this.producer, customerIds, (id) => this.debouncer.delayFor(id)).then(
      () => {
        if (this.refreshFailing) this.logger.log('real-time refreshes are being queued again');
        this.refreshFailing = false;
      },
      (e: Error) => {
        if (!this.refreshFailing)
          this.logger.warn(
            `could not queue real-time refreshes (${e.message}); the next rebuild covers them`,
          );
        this.refreshFailing = true;
      },
    );
  }
}
