import { Logger } from '@nestjs/common';
import type { ServingConfig } from '../serving.config';
import { BatchBuffer, type BatchWrite } from './batch-buffer';

/** A `BatchBuffer` tuned by the serving config that logs its outages under `what`. */
export function writeBehind<T>(what: string, write: BatchWrite<T>, config: ServingConfig): BatchBuffer<T> {
  const logger = new Logger(what);
  return new BatchBuffer(write, {
    flushIntervalMs: config.logFlushIntervalMs,
    batchRows: config.logBatchRows,
    maxRows: config.logMaxBufferedRows,
    onError: (e, buffered) =>
      logger.warn(`Cannot write to Postgres (${e.message}); holding ${buffered} rows and retrying`),
    onRecovered: () => logger.log('Writing to Postgres again'),
  });
}

/** Writes what is left at shutdown (the pool closes after this hook) and says what was lost. */
export async function closeWriteBehind<T>(what: string, buffer: BatchBuffer<T>): Promise<void> {
  const lost = await buffer.close();
  if (lost > 0) new Logger(what).error(`${lost} rows could not be written before shutdown and are lost`);
}
