import { Logger } from '@nestjs/common';
import type { ServingConfig } from '../serving.config';
import { BatchBuffer, type BatchWrite, type RowQueue } from './batch-buffer';

/** A `BatchBuffer` tuned by the serving config that logs its outages under `what` (rows in an array unless `rows` is given). */
export function writeBehind<T, B = T[]>(
  what: string,
  write: BatchWrite<B>,
  config: ServingConfig,
  rows?: RowQueue<T, B>,
): BatchBuffer<T, B> {
  const logger = new Logger(what);
  return new BatchBuffer<T, B>(
    write,
    {
      flushIntervalMs: config.logFlushIntervalMs,
      batchRows: config.logBatchRows,
      maxRows: config.logMaxBufferedRows,
      onError: (e, buffered) =>
        logger.warn(`Cannot write to Postgres (${e.message}); holding ${buffered} rows and retrying`),
      onRecovered: () => logger.log('Writing to Postgres again'),
    },
    rows,
  );
}

/** Writes what is left at shutdown (the pool closes after this hook) and says what was lost. */
export async function closeWriteBehind(
  what: string,
  buffer: Pick<BatchBuffer<unknown>, 'close'>,
): Promise<void> {
  const lost = await buffer.close();
  if (lost > 0) new Logger(what).error(`${lost} rows could not be written before shutdown and are lost`);
}
