import { performance } from 'node:perf_hooks';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import {
  CopyWriter,
  ImportRepository,
  StagingTable,
  type ImportKind,
  type ImportRejection,
} from '@nextbuy/db';
import { KIND_SPECS, type KindSpec } from './kinds';
import { readRows, type SourceRow } from './rows';
import { formatOf, openSource, type FileFormat } from './source';

/**
 * Valid rows staged before each merge. Chunks let a merge (Postgres) run while the next chunk is
 * parsed and validated (Node), and bound each transaction; measured in bench/import/RESULTS.md.
 */
export const DEFAULT_MERGE_EVERY_ROWS = 100_000;
/** Rejections kept in the summary (and the imports row); `onRejection` sees every one. */
export const MAX_SUMMARY_REJECTIONS = 1000;
/** Rows of COPY text gathered before one write: fewer, larger protocol messages. */
const COPY_BATCH_BYTES = 256 * 1024;

export interface ImportProgress {
  rows: number;
  bytes: number;
  totalBytes: number;
}

export interface ImportTimings {
  /** Reading, decompressing and parsing CSV/JSON. */
  parseMs: number;
  /** Schema validation, event ids and COPY encoding. */
  validateMs: number;
  /** Waiting for Postgres to take COPY data (what parsing did not hide). */
  copyWaitMs: number;
  /** Merging staged chunks into the tables (runs while the next chunk is parsed). */
  mergeMs: number;
  /** Waiting for merges (what parsing did not hide). */
  mergeWaitMs: number;
}

export interface ImportSummary {
  kind: ImportKind;
  file: string;
  /** Id of the `imports` row. */
  importId: string;
  /** Data rows read (the CSV header is not a row). */
  read: number;
  stored: number;
  duplicates: number;
  rejected: number;
  /** The first rejections (MAX_SUMMARY_REJECTIONS); `rejected` counts them all. */
  rejections: ImportRejection[];
  seconds: number;
  rowsPerSecond: number;
  timings: ImportTimings;
}

export interface ImportFileOptions {
  kind: ImportKind;
  file: string;
  /** From the file name by default: `.ndjson`/`.jsonl`/`.json` (optionally `.gz`) are NDJSON. */
  format?: FileFormat;
  mergeEveryRows?: number;
  /** Lets the merge commit without waiting for the WAL flush: a crash can lose only the last
   * merge, and re-running the import restores it (imports are idempotent). On by default. */
  asyncCommit?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  onRejection?: (rejection: ImportRejection) => void;
}

/**
 * Streams one file into Postgres: rows are read and validated as they arrive, good rows go through
 * COPY into a temp staging table, and each chunk is merged by the repositories in one transaction.
 * Memory stays flat whatever the file size, but for the event-id assigner's 27-byte digest per
 * distinct event. Every rejected row is reported with its line; a problem with the whole file
 * (missing, unreadable, bad header, database down) throws `ImportError` or the database error, and
 * the `imports` row is marked failed.
 */
export async function importFile(dataSource: DataSource, options: ImportFileOptions): Promise<ImportSummary> {
  const spec = KIND_SPECS[options.kind];
  const imports = new ImportRepository(dataSource);
  const source = await openSource(options.file);
  let importId: string;
  try {
    importId = await imports.start(options.kind, options.file);
  } catch (e) {
    source.close();
    throw e;
  }
  const run = new ImportRun(spec, options, source.totalBytes, source.bytesRead);
  let error: Error | undefined;
  try {
    await withLanes(dataSource, spec, (lanes) =>
      run.execute(
        lanes,
        readRows(source.text, {
          format: options.format ?? formatOf(options.file),
          file: options.file,
          required: spec.required,
        }),
      ),
    );
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  } finally {
    source.close();
  }
  // After the lanes are back in the pool: a pool of two must still have a connection for this.
  await imports.finish(importId, run.totals(), error?.message).catch((e: unknown) => {
    error ??= e instanceof Error ? e : new Error(String(e));
  });
  if (error) throw error;
  // Statistics are a help, not the import's result: every row is stored whether or not this succeeds.
  if (run.totals().rowsStored > 0) await imports.analyze(options.kind).catch(() => undefined);
  return run.summary(importId);
}

/** Two connections when the pool allows (see `Lane`), one otherwise. */
async function withLanes<T>(
  dataSource: DataSource,
  spec: KindSpec,
  work: (lanes: Lane[]) => Promise<T>,
): Promise<T> {
  const poolSize = (dataSource.options as { extra?: { max?: number } }).extra?.max ?? 10;
  const runners = Array.from({ length: poolSize >= 2 ? 2 : 1 }, () => dataSource.createQueryRunner());
  try {
    const lanes: Lane[] = [];
    for (const runner of runners) lanes.push(new Lane(spec, (await runner.connect()) as PoolClient));
    return await work(lanes);
  } finally {
    for (const runner of runners) await runner.release();
  }
}

/**
 * One connection with its own temp staging table. The import uses two: while one merges a chunk
 * (Postgres busy on one core), rows of the next chunk are parsed, validated and copied into the
 * other (Node busy on the other core). Merges still run one after another, in file order, so the
 * last record of a file wins for products and customers.
 */
class Lane {
  copy: CopyWriter | undefined;
  staged = 0;
  private readonly staging: StagingTable;
  /** The merge of this lane's previous chunk: staging is reused only once it has finished. */
  merged: Promise<void> = Promise.resolve();
  private prepared = false;

  constructor(
    private readonly spec: KindSpec,
    readonly client: PoolClient,
  ) {
    this.staging = new StagingTable(client, spec.staging);
  }

  async write(chunk: string): Promise<void> {
    if (!this.prepared) {
      await this.staging.prepare();
      this.prepared = true;
    }
    this.copy ??= new CopyWriter(this.client, this.spec.staging.table, this.spec.staging.columns);
    await this.copy.write(chunk);
  }

  /** Ends the COPY; resolves with the rows staged. */
  async endCopy(): Promise<number> {
    const copy = this.copy;
    this.copy = undefined;
    this.staged = 0;
    return copy ? copy.end() : 0;
  }

  merge(rows: number, asyncCommit: boolean): Promise<{ stored: number; duplicates: number }> {
    return this.staging.merge((executor) => this.spec.merge(executor, rows), asyncCommit);
  }

  async close(error?: Error): Promise<void> {
    if (error) await this.copy?.abort(error);
    await this.merged.catch(() => undefined);
    if (this.prepared) await this.staging.drop().catch(() => undefined);
  }
}

class ImportRun {
  private read = 0;
  private stored = 0;
  private duplicates = 0;
  private rejected = 0;
  private readonly rejections: ImportRejection[] = [];
  private readonly timings: ImportTimings = {
    parseMs: 0,
    validateMs: 0,
    copyWaitMs: 0,
    mergeMs: 0,
    mergeWaitMs: 0,
  };
  private readonly started = performance.now();
  private readonly mergeEvery: number;
  /** The latest merge; each merge starts after the one before it. */
  private mergeChain: Promise<void> = Promise.resolve();
  private mergeFailure: Error | undefined;

  constructor(
    private readonly spec: KindSpec,
    private readonly options: ImportFileOptions,
    private readonly totalBytes: number,
    private readonly bytesRead: () => number,
  ) {
    this.mergeEvery = options.mergeEveryRows ?? DEFAULT_MERGE_EVERY_ROWS;
  }

  async execute(lanes: Lane[], batches: AsyncIterable<SourceRow[]>): Promise<void> {
    const encode = this.spec.encoder();
    let lane = lanes[0] as Lane;
    let laneIndex = 0;
    let ord = 0;
    let pending = '';
    const timed = async <T>(key: keyof ImportTimings, work: Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await work;
      } finally {
        this.timings[key] += performance.now() - t;
      }
    };
    const flush = async () => {
      if (!pending) return;
      const chunk = pending;
      pending = '';
      await timed('copyWaitMs', lane.write(chunk));
    };
    const handOver = async () => {
      await flush();
      const full = lane;
      const rows = await timed('copyWaitMs', full.endCopy());
      if (rows > 0) this.queueMerge(full, rows);
      laneIndex = (laneIndex + 1) % lanes.length;
      lane = lanes[laneIndex] as Lane;
      // The lane is free once its previous chunk has merged.
      await timed('mergeWaitMs', lane.merged);
      this.throwIfMergeFailed();
    };
    let failure: Error | undefined;
    try {
      let t = performance.now();
      for await (const batch of batches) {
        const parsed = performance.now();
        this.timings.parseMs += parsed - t;
        for (const row of batch) {
          this.read++;
          if (row.errors) {
            this.reject(row.line, row.errors);
            continue;
          }
          const result = encode(row.input, ord);
          if (!result.ok) {
            this.reject(row.line, result.errors);
            continue;
          }
          ord++;
          lane.staged++;
          pending += result.value;
        }
        this.timings.validateMs += performance.now() - parsed;
        if (pending.length >= COPY_BATCH_BYTES) await flush();
        if (lane.staged >= this.mergeEvery) await handOver();
        this.options.onProgress?.({ rows: this.read, bytes: this.bytesRead(), totalBytes: this.totalBytes });
        t = performance.now();
      }
      await handOver();
      await timed('mergeWaitMs', this.mergeChain);
      this.throwIfMergeFailed();
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
      throw this.mergeFailure ?? failure;
    } finally {
      for (const l of lanes) await l.close(failure);
    }
  }

  private queueMerge(lane: Lane, rows: number): void {
    const asyncCommit = this.options.asyncCommit ?? true;
    const merge = this.mergeChain.then(async () => {
      if (this.mergeFailure) return;
      try {
        const t = performance.now();
        const outcome = await lane.merge(rows, asyncCommit);
        this.timings.mergeMs += performance.now() - t;
        this.stored += outcome.stored;
        this.duplicates += outcome.duplicates;
      } catch (e) {
        this.mergeFailure ??= e instanceof Error ? e : new Error(String(e));
      }
    });
    lane.merged = merge;
    this.mergeChain = merge;
  }

  private throwIfMergeFailed(): void {
    if (this.mergeFailure) throw this.mergeFailure;
  }

  private reject(line: number, errors: string[]): void {
    this.rejected++;
    const rejection = { line, errors };
    if (this.rejections.length < MAX_SUMMARY_REJECTIONS) this.rejections.push(rejection);
    this.options.onRejection?.(rejection);
  }

  totals() {
    return {
      rowsRead: this.read,
      rowsStored: this.stored,
      rowsDuplicate: this.duplicates,
      rowsRejected: this.rejected,
      rejections: this.rejections,
    };
  }

  summary(importId: string): ImportSummary {
    const seconds = (performance.now() - this.started) / 1000;
    const round = (n: number) => Math.round(n);
    return {
      kind: this.spec.kind,
      file: this.options.file,
      importId,
      read: this.read,
      stored: this.stored,
      duplicates: this.duplicates,
      rejected: this.rejected,
      rejections: this.rejections,
      seconds: Math.round(seconds * 1000) / 1000,
      rowsPerSecond: seconds > 0 ? round(this.read / seconds) : 0,
      timings: {
        parseMs: round(this.timings.parseMs),
        validateMs: round(this.timings.validateMs),
        copyWaitMs: round(this.timings.copyWaitMs),
        mergeMs: round(this.timings.mergeMs),
        mergeWaitMs: round(this.timings.mergeWaitMs),
      },
    };
  }
}
