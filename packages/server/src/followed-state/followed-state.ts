import type Redis from 'ioredis';
import { createSubscriberConnection } from './subscriber-connection';

export interface FollowedStateOptions<T> {
  redisUrl: string;
  /** The subscriber's Redis client name (`CLIENT LIST`). */
  connectionName?: string;
  /** Announces a change (ingestion or a worker publishes on it): a cue to read, never the data. */
  channel: string;
  /** Re-read this often too: catches changes nobody announced and messages lost while reconnecting. */
  pollIntervalMs: number;
  /** Reads the state from the database and applies it. */
  read: () => Promise<T>;
  /** Called with a background read's failure (what is held stays held). */
  onError: (e: unknown) => void;
}

/**
 * State an app keeps in memory and follows from Postgres (serving: the active build, the catalogue,
 * the rules; the real-time refresher: the decoded active build): read once at boot, again when its Redis channel announces a change or the subscriber
 * reconnects, and every `pollIntervalMs`. Reads never pile up: while one runs, callers share one
 * follow-up that starts after it (the running one may predate the change that prompted the call).
 */
export class FollowedState<T> {
  private readonly subscriber: Redis;
  private reading: Promise<T> | undefined;
  private followUp: Promise<T> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: FollowedStateOptions<T>) {
    this.subscriber = createSubscriberConnection(options.redisUrl, options.connectionName);
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string) => {
      if (channel === options.channel) this.refreshInBackground();
    });
    // Messages sent while the subscriber was away are lost: read once it is back.
    this.subscriber.on('ready', () => this.refreshInBackground());
  }

  /** Subscribes, starts polling and reads once (rejects if that read fails). */
  start(): Promise<T> {
    this.subscriber.subscribe(this.options.channel).catch(() => undefined);
    this.timer = setInterval(() => this.refreshInBackground(), this.options.pollIntervalMs);
    this.timer.unref();
    return this.refresh();
  }

  stop(): void {
    clearInterval(this.timer);
    this.subscriber.disconnect();
  }

  /** Reads now, or joins the read that will start after the one running; rejects if it fails. */
  refresh(): Promise<T> {
    if (!this.reading) return this.read();
    this.followUp ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.followUp = undefined;
        return this.read();
      });
    return this.followUp;
  }

  private refreshInBackground(): void {
    this.refresh().catch(this.options.onError);
  }

  private read(): Promise<T> {
    const reading = this.options.read().finally(() => {
      if (this.reading === reading) this.reading = undefined;
    });
    this.reading = reading;
    return reading;
  }
}
