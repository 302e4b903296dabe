import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventRepository } from '@nextbuy/db';

/** This month and the next three: a quarter of live events with no maintenance run still lands in its month. */
const MONTHS_AHEAD = 3;
const DAY_MS = 86_400_000;

/**
 * Makes the monthly partitions of `events` ahead of time, at start and then daily, in the process
 * that stores live events (an event of a month with no partition still stores: the merge makes its
 * month on demand, or the DEFAULT partition takes it). Idempotent, so every replica runs it.
 */
@Injectable()
export class EventPartitionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventPartitions');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly events: EventRepository) {}

  onApplicationBootstrap(): void {
    this.running = this.run();
    this.timer = setInterval(() => {
      this.running = this.run();
    }, DAY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      await this.events.ensureMonthsAhead(new Date(), MONTHS_AHEAD);
    } catch (e) {
      this.logger.warn(`making event partitions ahead failed (retried tomorrow): ${(e as Error).message}`);
    }
  }
}
