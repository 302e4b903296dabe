/** How rows leave the buffer: one statement per batch (`B`: the batch as the queue hands it out). */
export type BatchWrite<B> = (batch: B) => Promise<void>;

/**
 * Where a `BatchBuffer` keeps its rows until they are written: an array (`ArrayRows`), or, for rows
 * of text written at a high rate, one Buffer outside the heap (`TextRows`).
 */
export interface RowQueue<T, B> {
  readonly length: number;
  push(row: T): void;
  /** The first `n` rows as one batch; they stay queued until `drop(n)` (after the batch is written). */
  peek(n: number): B;
  drop(n: number): void;
}

/** Rows in an array; a batch is an array of them. */
export class ArrayRows<T> implements RowQueue<T, T[]> {
  private rows: T[] = [];
  get length(): number {
    return this.rows.length;
  }
  push(row: T): void {
    this.rows.push(row);
  }
  peek(n: number): T[] {
    return this.rows.slice(0, n);
  }
  drop(n: number): void {
    this.rows.splice(0, n);
  }
}

/**
 * Rows of JSON text kept in one growing Buffer, outside V8's heap; a batch is their JSON array
 * (`[row,row,…]`). The answer log holds every answer for up to `flushIntervalMs`: as strings on the
 * heap they outlived young-generation collections, so each was copied, promoted and later swept
 * (half of what serving promoted at 1,000 reads/s, BENCHMARKS.md "Cold reads"). Here a row's string
 * dies at once and its bytes wait where the collector never looks.
 */
export class TextRows implements RowQueue<string, string> {
  private bytes = Buffer.allocUnsafeSlow(64 * 1024);
  /** Bytes in use: each row followed by a comma. */
  private used = 0;
  /** Where each row's comma is. */
  private ends: number[] = [];

  get length(): number {
    return this.ends.length;
  }

  push(row: string): void {
    const size = Buffer.byteLength(row) + 1;
    if (this.used + size > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.used + size));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes.write(row, this.used);
    this.bytes[this.used++] = COMMA;
    this.ends.push(this.used - 1);
  }

  peek(n: number): string {
    return n <= 0 ? '[]' : `[${this.bytes.toString('utf8', 0, this.ends[n - 1])}]`;
  }

  drop(n: number): void {
    if (n <= 0) return;
    const cut = this.ends[n - 1]! + 1;
    this.bytes.copy(this.bytes, 0, cut, this.used);
    this.used -= cut;
    this.ends = this.ends.slice(n).map((end) => end - cut);
  }
}
const COMMA = 0x2c;

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
export class BatchBuffer<T, B = T[]> {
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly write: BatchWrite<B>,
    private readonly options: BatchBufferOptions,
    /** Where rows wait (an array unless given). */
    private readonly rows: RowQueue<T, B> = new ArrayRows<T>() as unknown as RowQueue<T, B>,
  ) {}

  /** Rows waiting to be written (the batch being written included). */
  get size(): number {
    return this.rows.length;
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
      // A batch stays at the front of the queue until written, so a failed write keeps the order.
      const n = Math.min(this.rows.length, this.options.batchRows);
      try {
        await this.write(this.rows.peek(n));
      } catch (e) {
        if (!this.failing) this.options.onError?.(e as Error, this.rows.length);
        this.failing = true;
        return;
      }
      this.rows.drop(n);
      if (this.failing) this.options.onRecovered?.();
      this.failing = false;
    }
  }
}
