import type { Command } from 'commander';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { DataSource } from 'typeorm';
import { loadEnv, type Env } from '@nextbuy/config';
import { parseIsoTimestamp, QueueName, type BuildView, type StageState } from '@nextbuy/contracts';
import {
  BuildInFlightError,
  BuildRepository,
  TaskRepository,
  toBuildView,
  type BuildEntity,
} from '@nextbuy/db';
import type { BuildTask } from '@nextbuy/rebuild';
import { JobProducer } from '@nextbuy/queue';
import { formatQueueCounts, formatSeconds, orderedStages, stageSeconds } from '../build-format';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { processOutput, type Output } from '../output';
import { closeRedis, connectRedis, sleep } from '../redis';

export const START_WORKERS_HINT = 'start the workers: npm start';

export type RebuildEnv = Pick<
  Env,
  | 'DATABASE_URL'
  | 'REDIS_URL'
  | 'QUEUE_PREFIX'
  | 'REBUILD_SHARDS'
  | 'CUSTOMERS_PER_SHARD'
  | 'BUILD_STALE_MINUTES'
>;

export interface RebuildOptions {
  asOf?: string;
  wait?: boolean;
  /** A prediction task by name (docs/tasks.md); absent: the default task. */
  task?: string;
}

export interface WatchTuning {
  /** How often `--wait` reads the build: stages take seconds, so a few reads a second suffice. */
  pollMs: number;
  /** With nothing changing this long and no job active, the workers are probably not running. */
  stallMs: number;
  /** Stop waiting after this long (exit 1, the build goes on); unset: wait until it ends. */
  deadlineMs?: number;
}

export const DEFAULT_WATCH: WatchTuning = { pollMs: 250, stallMs: 10_000 };

export interface RebuildResult {
  exitCode: number;
  build?: BuildView;
}

/** Starts one build (a rebuild or a training) with the repositories of an open connection. */
export type BuildStarter = (
  db: DataSource,
  producer: JobProducer,
  asOf: Date | undefined,
) => Promise<BuildEntity>;

/** `--as-of` must be an ISO 8601 date-time (a missing zone means UTC, as for events). */
export function parseAsOf(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const ms = parseIsoTimestamp(text);
  if (ms === undefined)
    throw new FatalError(
      `--as-of must be an ISO 8601 date-time such as 2011-11-09T00:00:00Z (got ${JSON.stringify(text)})`,
    );
  return new Date(ms);
}

/**
 * Starts a rebuild through the queues (the features and candidates apps do the work) and, with
 * `wait`, follows it until it publishes (exit 0) or fails (exit 1).
 */
export async function runRebuild(
  env: RebuildEnv,
  options: RebuildOptions,
  output: Output,
  tuning: WatchTuning = DEFAULT_WATCH,
): Promise<RebuildResult> {
  // The rebuild package brings the engine along: loaded only by the command that needs it.
  const { triggerRebuild, rebuildTriggerSettings } = await import('@nextbuy/rebuild');
  return runBuild(env, options, output, tuning, async (db, producer, asOf) =>
    triggerRebuild(new BuildRepository(db), producer, rebuildTriggerSettings(env), {
      asOf,
      trigger: 'cli',
      task: await taskOption(db, options.task),
    }),
  );
}

/** `--task NAME`: the stored task, or a `FatalError` naming how to list them (exit 2). */
export async function taskOption(db: DataSource, name: string | undefined): Promise<BuildTask | undefined> {
  const { taskNamed, UnknownTaskError } = await import('@nextbuy/rebuild');
  try {
    return await taskNamed(new TaskRepository(db), name);
  } catch (e) {
    if (e instanceof UnknownTaskError) throw new FatalError(`--task: ${e.message}`);
    throw e;
  }
}

/**
 * Starts a build through the queues (`start`: a rebuild or a training) and, with `wait`, follows it
 * until it ends: published or trained (exit 0), or failed (exit 1).
 */
export async function runBuild(
  env: RebuildEnv,
  options: RebuildOptions,
  output: Output,
  tuning: WatchTuning,
  start: BuildStarter,
): Promise<RebuildResult> {
  const asOf = parseAsOf(options.asOf);
  const { expectedStages, engineConfigOf, buildPlan } = await import('@nextbuy/rebuild');
  return withDatabase(env.DATABASE_URL, async (db) => {
    const redis = await connectRedis(env.REDIS_URL);
    const producer = new JobProducer(redis, env.QUEUE_PREFIX);
    try {
      const builds = new BuildRepository(db);
      let buildId: string;
      let stages: string[];
      let label: string;
      let plan: string;
      try {
        const build = await start(db, producer, asOf);
        buildId = build.id;
        const planned = buildPlan(build);
        stages = expectedStages(engineConfigOf(build), Number(build.config.shards), planned);
        label = build.kind === 'training' ? 'training build' : 'build';
        plan =
          planned === 'rank'
            ? `it ranks with model ${build.modelId}`
            : planned === 'train-and-rank'
              ? 'no active model saw only data before its as-of: it trains its ranker first'
              : 'snapshot, training windows, ranker, gate';
      } catch (e) {
        if (e instanceof BuildInFlightError) {
          output.err(e.message);
          return { exitCode: EXIT_FAILED };
        }
        throw e;
      }
      output.out(
        `${label} ${buildId} queued${asOf ? ` (as of ${asOf.toISOString()})` : ''}${options.task ? ` for task ${options.task}` : ''}`,
      );
      output.out(plan);
      await warnWithoutWorkers(producer, output);
      if (!options.wait) {
        output.out(`follow it with: nextbuy status (or --wait next time)`);
        return { exitCode: EXIT_OK, build: toBuildView((await builds.get(buildId))!) };
      }
      // Awaited here: the finally below must not close Redis while the build is watched.
      return await watchBuild(db, producer, buildId, stages.length, output, tuning);
    } finally {
      await producer.close().catch(() => undefined);
      await closeRedis(redis);
    }
  });
}

/** BullMQ lists the workers connected to a queue; none on either queue means nothing will run. */
async function warnWithoutWorkers(producer: JobProducer, output: Output): Promise<void> {
  try {
    const missing: string[] = [];
    for (const name of [QueueName.Features, QueueName.Candidates]) {
      if ((await producer.queue(name).getWorkersCount()) === 0) missing.push(name);
    }
    if (missing.length)
      output.err(`no worker is listening on the ${missing.join(' and ')} queue(s): ${START_WORKERS_HINT}`);
  } catch {
    // Some managed Redis forbid CLIENT LIST: the stall check while waiting still catches it.
  }
}

/** Follows a build until it publishes or fails; prints wall time per stage and the total. */
async function watchBuild(
  db: DataSource,
  producer: JobProducer,
  buildId: string,
  expectedStages: number,
  output: Output,
  tuning: WatchTuning,
): Promise<RebuildResult> {
  const builds = new BuildRepository(db);
  const started = Date.now();
  const display = output.interactive
    ? new BarDisplay(output, buildId, expectedStages)
    : new LineDisplay(output);
  const seen = new Map<string, StageState['status']>();
  let lastChange = Date.now();
  let warned = false;
  try {
    for (;;) {
      const entity = await builds.get(buildId);
      if (!entity) throw new FatalError(`build ${buildId} disappeared while waiting for it`);
      const view = toBuildView(entity);
      for (const [name, state] of orderedStages(view)) {
        if (seen.get(name) === state.status) continue;
        seen.set(name, state.status);
        lastChange = Date.now();
        warned = false;
        display.stage(name, state);
      }
      display.update(view);
      if (
        view.status === 'published' ||
        view.status === 'superseded' ||
        view.status === 'trained' ||
        view.status === 'failed'
      ) {
        display.stop();
        printSummary(view, (Date.now() - started) / 1000, output);
        if (view.status === 'failed') {
          output.err(`build ${buildId} failed: ${view.error ?? 'no error recorded'}`);
          return { exitCode: EXIT_FAILED, build: view };
        }
        return { exitCode: EXIT_OK, build: view };
      }
      if (tuning.deadlineMs !== undefined && Date.now() - started >= tuning.deadlineMs) {
        display.stop();
        output.err(
          `stopped waiting after ${formatSeconds((Date.now() - started) / 1000)}: build ${buildId} is still ${view.status}`,
        );
        return { exitCode: EXIT_FAILED, build: view };
      }
      if (!warned && Date.now() - lastChange >= tuning.stallMs) {
        warned = true;
        const hint = await stallHint(producer, view, Date.now() - lastChange);
        if (hint) display.log(hint);
      }
      await sleep(tuning.pollMs);
    }
  } finally {
    display.stop();
  }
}

/**
 * Nothing moved for a while: if no job is active, say which queue holds work nobody takes. A
 * long stage keeps its job active, so it is not mistaken for missing workers.
 */
async function stallHint(
  producer: JobProducer,
  view: BuildView,
  idleMs: number,
): Promise<string | undefined> {
  let depths: Record<string, Record<string, number>>;
  try {
    depths = await producer.depths();
  } catch (e) {
    return `build ${view.build_id} has not moved for ${Math.round(idleMs / 1000)} s and the queues cannot be read: ${(e as Error).message}`;
  }
  const active = Object.values(depths).reduce((n, c) => n + (c.active ?? 0), 0);
  if (active > 0) return undefined;
  const queues = Object.entries(depths)
    .map(([name, counts]) => formatQueueCounts(name, counts))
    .join('; ');
  const what =
    view.status === 'queued' && !view.stages.snapshot
      ? `nothing has picked up build ${view.build_id} after ${Math.round(idleMs / 1000)} s`
      : `build ${view.build_id} has not moved for ${Math.round(idleMs / 1000)} s and no job is running`;
  return `${what} (${queues}): ${START_WORKERS_HINT}`;
}

function printSummary(view: BuildView, wallSeconds: number, output: Output): void {
  const stages = orderedStages(view);
  const width = Math.max(5, ...stages.map(([name]) => name.length));
  output.out(
    `build ${view.build_id} ${view.status === 'superseded' ? 'published (since superseded)' : view.status}`,
  );
  for (const [name, state] of stages) {
    const seconds = stageSeconds(state);
    const time = seconds === undefined ? '-' : formatSeconds(seconds);
    output.out(`  ${name.padEnd(width)}  ${time.padStart(9)}  ${state.status}`);
  }
  output.out(`  ${'total'.padEnd(width)}  ${formatSeconds(wallSeconds).padStart(9)}`);
}

interface Display {
  stage(name: string, state: StageState): void;
  update(view: BuildView): void;
  log(line: string): void;
  stop(): void;
}

/** Not a terminal: one plain line per stage change (logs, CI). */
class LineDisplay implements Display {
  constructor(private readonly output: Output) {}

  stage(name: string, state: StageState): void {
    const seconds = state.status === 'done' ? stageSeconds(state) : undefined;
    this.output.err(
      `${name}: ${state.status}${seconds !== undefined ? ` in ${formatSeconds(seconds)}` : ''}`,
    );
  }

  update(): void {}

  log(line: string): void {
    this.output.err(line);
  }

  stop(): void {}
}

/** A terminal: one bar of finished stages, stage changes written above it. */
class BarDisplay implements Display {
  private readonly bars: MultiBar;
  private readonly bar: SingleBar;
  private stopped = false;
  private readonly started = Date.now();

  constructor(
    output: Output,
    private readonly buildId: string,
    total: number,
  ) {
    this.bars = new MultiBar(
      {
        stream: output.progressStream,
        format: `build {build} [{bar}] {value}/{total} stages | {status} {running} | {elapsed}`,
        hideCursor: true,
        clearOnComplete: true,
      },
      Presets.shades_classic,
    );
    this.bar = this.bars.create(total, 0, { build: buildId, status: 'queued', running: '', elapsed: '0 s' });
  }

  stage(name: string, state: StageState): void {
    if (state.status === 'running') return;
    const seconds = state.status === 'done' ? stageSeconds(state) : undefined;
    this.log(`${name}: ${state.status}${seconds !== undefined ? ` in ${formatSeconds(seconds)}` : ''}`);
  }

  update(view: BuildView): void {
    const stages = Object.values(view.stages);
    const done = stages.filter((s) => s.status === 'done').length;
    const running = Object.entries(view.stages)
      .filter(([, s]) => s.status === 'running')
      .map(([n]) => n);
    if (done > this.bar.getTotal()) this.bar.setTotal(done);
    this.bar.update(done, {
      build: this.buildId,
      status: view.status,
      running: running.length ? `(${running.join(', ')})` : '',
      elapsed: formatSeconds((Date.now() - this.started) / 1000),
    });
  }

  log(line: string): void {
    if (!this.stopped) this.bars.log(`${line}\n`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bars.stop();
  }
}

export function registerRebuildCommand(program: Command, output: Output = processOutput): void {
  program
    .command('rebuild')
    .description('start a staged rebuild (the features and candidates apps do the work)')
    .option('--as-of <iso>', 'reference time (default: the newest event)')
    .option('--task <name>', 'build the lists of this prediction task (default: the default task)')
    .option('--wait', 'show progress and exit when the build publishes (1 when it fails)')
    .action(async (options: RebuildOptions) => {
      const { exitCode } = await runRebuild(loadEnv(), options, output);
      process.exitCode = exitCode;
    });
}
