import { JobName, parseJobPayload, QueueName } from '@nextbuy/contracts';
import type { JobProducer } from './producer';

/**
 * Retries of a refresh that failed (Postgres or Redis away): exponential from 1 s, six attempts in
 * all, so a refresh outlives an outage of about half a minute (1 + 2 + 4 + 8 + 16 s of waits) before
 * it gives up; past that the customer's next event or the next rebuild redoes the list.
 */
export const REFRESH_JOB_RETRIES = { attempts: 6, backoff: { type: 'exponential', delay: 1000 } } as const;

/** Seconds a refresh keeps retrying after its first failure (the waits between its attempts). */
export function refreshRetryWindowMs(retries: { attempts: number; backoff: { delay: number } }): number {
  let total = 0;
  for (let attempt = 1; attempt < retries.attempts; attempt++)
    total += retries.backoff.delay * 2 ** (attempt - 1);
  return total;
}

/**
 * Asks for a refresh of each customer's list, debounced per customer with BullMQ deduplication:
 * the job waits its delay (`REALTIME_DEBOUNCE_MS`, or less, see `RefreshDebouncer`); another
 * request meanwhile replaces it (and restarts the wait), so a burst costs one refresh. A request
 * while the refresh runs is kept and runs right after it (`keepLastIfActive`), so an event
 * committed during a refresh is never left out. `delay`: one for all, or per customer.
 */
export async function enqueueCustomerRefreshes(
  producer: JobProducer,
  customerIds: Iterable<string>,
  delay: number | ((customerId: string) => number),
): Promise<number> {
  const queue = producer.queue(QueueName.Realtime);
  const ids = [...new Set(customerIds)];
  // Delays are taken now, at request time, not when the adds run.
  const jobs = ids.map((customerId) => ({
    customerId,
    delay: typeof delay === 'number' ? delay : delay(customerId),
  }));
  await producer.ready();
  await Promise.all(
    jobs.map(({ customerId, delay }) => {
      const data = parseJobPayload(JobName.RefreshCustomer, { customerId });
      return queue.add(JobName.RefreshCustomer, data, {
        delay,
        deduplication: { id: `refresh:${customerId}`, replace: true, keepLastIfActive: true },
        ...REFRESH_JOB_RETRIES,
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      });
    }),
  );
  return ids.length;
}

/**
 * Debounce with a maximum wait, per customer. BullMQ's debounce (`replace`) restarts the wait on
 * every request, so a customer sending events more often than the debounce would never be
 * refreshed while active; its `ttl` cannot cap that together with `keepLastIfActive` (which ignores
 * the ttl, see bullmq's DeduplicationOptions). So the requester caps the delay itself: each
 * replacing job is due no later than `maxWaitMs` after the first request of the burst. A burst
 * ends when the debounce would have fired (no request for `debounceMs`), or at the cap (that job
 * runs at once; the next request starts a new burst).
 *
 * The state is this process's: with several ingestion processes, each caps what it asks, so a
 * customer's wait stays within about `maxWaitMs + debounceMs`.
 */
export class RefreshDebouncer {
  private readonly maxWaitMs: number;
  /** Open bursts: first and last request time per customer. */
  private readonly bursts = new Map<string, { first: number; last: number }>();
  private lastSweep = 0;

  constructor(
    private readonly debounceMs: number,
    maxWaitMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.maxWaitMs = Math.max(debounceMs, maxWaitMs);
  }

  /** The delay of a refresh asked now for this customer. */
  delayFor(customerId: string): number {
    const now = this.now();
    this.sweep(now);
    let burst = this.bursts.get(customerId);
    if (!burst || now - burst.last > this.debounceMs) {
      burst = { first: now, last: now };
      this.bursts.set(customerId, burst);
    }
    burst.last = now;
    const delay = Math.min(this.debounceMs, burst.first + this.maxWaitMs - now);
    if (delay <= 0) {
      this.bursts.delete(customerId);
      return 0;
    }
    return delay;
  }

  /** Open bursts (for tests). */
  get size(): number {
    return this.bursts.size;
  }

  /** Forgets bursts whose refresh has fired: memory stays the customers of the last debounce. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.debounceMs) return;
    this.lastSweep = now;
    for (const [id, b] of this.bursts) if (now - b.last > this.debounceMs) this.bursts.delete(id);
  }
}
