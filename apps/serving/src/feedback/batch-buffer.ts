/** How rows leave the buffer: one statement per batch. */
export type BatchWrite<T> = (rows: T[]) => Promise<void>;

export interface BatchBufferOptions {
  /** A partial batch waits at most this long. */
  flushIntervalMs: number;
  /** Rows per write; a full batch is written at once. */
  batchRows: number;
  /** Rows held at most while writes fail; `push` refuses more. */
  maxRows: number;
  /** Told when writes start failing and when they work again (once per outage, not per batch). */
  onError?: (error: Error, buffered: number) => void;
  onRecovered?: () => void;
}

/**
 * An in-memory write-behind buffer: callers push rows and never wait for the database; rows leave
 * in batches, one write at a time, every `flushIntervalMs` or as soon as a batch is full. A failed
 * write keeps its rows (in order) for the next attempt, so a Postgres hiccup loses nothing;
 * `maxRows` bounds memory while it lasts. `close()` writes out what is left.
 */
export class BatchBuffer<T> {
  private rows: T[] = [];
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  /** Rows of the write under way. */
  private inFlight = 0;

  constructor(
    private readonly write: BatchWrite<T>,
    private readonly options: BatchBufferOptions,
  ) {}

  /** Rows waiting to be written (the batch being written included). */
  get size(): number {
    return this.rows.length + this.inFlight;
  }

  /** Starts the periodic flush (the timer never holds the process open). */
  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Whether `n` more rows fit. */
  hasRoom(n: number): boolean {
    return this.size + n <= this.options.maxRows;
  }

  /** Queues rows for the next write; `false` (nothing queued) when they would not fit. */
  push(...rows: T[]): boolean {
    if (!this.hasRoom(rows.length)) return false;
    for (const row of rows) this.rows.push(row);
    if (this.rows.length >= this.options.batchRows) void this.flush();
    return true;
  }

  /** Writes everything buffered, batch by batch; stops at the first failure (the next flush retries). */
  flush(): Promise<void> {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** Stops the timer and writes what is left; resolves with the rows that could not be written. */
  async close(): Promise<number> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    return this.size;
  }

  private async drain(): Promise<void> {
    while (this.rows.length > 0) {
      const batch = this.rows.splice(0, this.options.batchRows);
      this.inFlight = batch.length;
      try {
        await this.write(batch);
      } catch (e) {
        // Back at the front, so rows keep their order when Postgres is back.
        this.rows = batch.concat(this.rows);
        if (!this.failing) this.options.onError?.(e as Error, this.rows.length);
        this.failing = true;
        return;
      } finally {
        this.inFlight = 0;
      }
      if (this.failing) this.options.onRecovered?.();
      this.failing = false;
    }
  }
}
