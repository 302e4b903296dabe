import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ConfigError, type Env, loadEnv, parseEnv } from '@nextbuy/config';
import type { QueueName } from '@nextbuy/contracts';
import type { JobDispatcher } from './job-dispatcher';
import { LockKeeper } from './lock-keeper';
import { redisOptionsFromUrl } from './redis-options';

/**
 * Lock renewals per lock duration. BullMQ renews every half lock by default, so a stage could block
 * its event loop for only half the lock; renewing every tenth lets a block of nine tenths pass,
 * which keeps the lock (and so a killed worker's recovery time) short. One Redis call per running
 * job per renewal: nothing beside a stage's work.
 */
export const LOCK_RENEWALS_PER_LOCK = 10;

/**
 * Lock and stalled-job timings of a `@Processor`. Decorator options are fixed when the class is
 * defined, so they come from the process environment (validated once by `loadEnv`).
 */
export function workerTimings(): { lockDuration: number; lockRenewTime: number; stalledInterval: number } {
  const env = envOrDefaults();
  return {
    lockDuration: env.WORKER_LOCK_MS,
    lockRenewTime: Math.floor(env.WORKER_LOCK_MS / LOCK_RENEWALS_PER_LOCK),
    stalledInterval: env.WORKER_STALLED_CHECK_MS,
  };
}

/**
 * The environment, or its defaults when it is invalid: decorators run when their module is imported,
 * before the app's bootstrap validates the environment and says, in one line, what is wrong with it
 * (`runHttpApp`). Throwing here would print a raw stack instead.
 */
function envOrDefaults(): Env {
  try {
    return loadEnv();
  } catch (e) {
    if (e instanceof ConfigError) return parseEnv({});
    throw e;
  }
}

/** A keeper of this process's job locks, with the worker timings. */
function lockKeeper(): LockKeeper {
  const env = loadEnv();
  const { lockDuration, lockRenewTime } = workerTimings();
  return new LockKeeper({
    connection: redisOptionsFromUrl(env.REDIS_URL),
    prefix: env.QUEUE_PREFIX,
    lockDurationMs: lockDuration,
    renewEveryMs: lockRenewTime,
  });
}

/**
 * Base of every `@Processor`: jobs go through a `JobDispatcher`; worker errors (Redis away) are
 * logged instead of crashing the process; running jobs finish before the database closes
 * (`beforeApplicationShutdown` runs before every `onApplicationShutdown`).
 */
export abstract class QueueProcessor<Q extends QueueName>
  extends WorkerHost
  implements BeforeApplicationShutdown
{
  protected abstract readonly dispatcher: JobDispatcher<Q>;
  private readonly errors = new Logger('worker');
  private lastError = '';
  private readonly locks = lockKeeper();

  /** The job runs with its lock kept from the keeper's thread too (see `LockKeeper`). */
  async process(job: Job, token?: string): Promise<void> {
    const release = this.locks.hold(job, token);
    try {
      await this.dispatcher.dispatch(job);
    } finally {
      release();
    }
  }

  /** Failures BullMQ decides on its own (a job stalled too often) reach the dispatcher too. */
  @OnWorkerEvent('failed')
  onJobFailed(job: Job | undefined, error: Error): Promise<void> {
    return this.dispatcher.failed(job, error);
  }

  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    // One line per distinct error, not one per reconnection attempt.
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.errors.error(`queue ${this.dispatcher.queue}: ${error.message}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
    await this.locks.stop();
  }
}
