import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { FeedbackRepository, type ServedAnswer, servedAnswerJson, type ServedAnswerJson } from '@nextbuy/db';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';
import { type BatchBuffer, TextRows } from './batch-buffer';
import { closeWriteBehind, writeBehind } from './write-behind';

const WHAT = 'RecommendationLog';

/**
 * Every answer's build, variant, products and strategies in rank order (`recommendation_log`), so
 * feedback can be attributed; or, by `ANSWER_LOG`, only the answers inside a running experiment
 * (reports need no more) plus a sample of the others. Write-behind: an answer never waits for (or fails on) this write; while
 * Postgres is away rows wait in memory up to `logMaxBufferedRows`, then new ones are dropped.
 */
@Injectable()
export class RecommendationLogService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WHAT);
  /** Each answer's row as JSON, its bytes held outside the heap until written (`TextRows`). */
  private readonly buffer: BatchBuffer<ServedAnswerJson, string>;
  /** Dropped since the buffer was last full: warned about once per outage. */
  private dropped = 0;
  /** Chance that an answer outside any experiment is logged. */
  private readonly outsideRate: number;

  constructor(feedback: FeedbackRepository, @Inject(SERVING_CONFIG) config: ServingConfig) {
    this.outsideRate = config.answerLog.rate;
    this.buffer = writeBehind<ServedAnswerJson, string>(
      WHAT,
      (batch) => feedback.insertServedJsonArray(batch),
      config,
      new TextRows(),
    );
  }

  onModuleInit(): void {
    this.buffer.start();
  }

  onApplicationShutdown(): Promise<void> {
    return closeWriteBehind(WHAT, this.buffer);
  }

  record(answer: ServedAnswer): void {
    if (answer.experimentId === null && !(this.outsideRate >= 1 || Math.random() < this.outsideRate)) return;
    if (this.buffer.push(servedAnswerJson(answer))) {
      if (this.dropped > 0)
        this.logger.warn(`${this.dropped} answers were not logged while the buffer was full`);
      this.dropped = 0;
    } else if (this.dropped++ === 0) {
      this.logger.warn('The answer log buffer is full (Postgres is away): answers are served but not logged');
    }
  }

  /** Writes what is buffered now (tests, and anything that must see the log at once). */
  flush(): Promise<void> {
    return this.buffer.flush();
  }
}
