import type { Command } from 'commander';
import type { DataSource } from 'typeorm';
import { loadEnv } from '@nextbuy/config';
import type { StatusReport } from '@nextbuy/contracts';
import { BuildRepository, StatsRepository, toBuildView } from '@nextbuy/db';
import { JobProducer } from '@nextbuy/queue';
import { formatBuildLine, formatQueueCounts } from '../build-format';
import { withDatabase } from '../database';
import { safeUrl } from '../errors';
import { processOutput, type Output } from '../output';
import { closeRedis, tryConnectRedis, withTimeout } from '../redis';

/** How many builds `status` lists, newest first. */
export const RECENT_BUILDS = 5;
/** Queue counts are a handful of Redis round trips: anything slower means Redis is in trouble. */
const QUEUE_DEPTHS_TIMEOUT_MS = 3000;

/** `StatusReport` plus the last few builds (human output lists them; `--json` carries them too). */

/** What a section may read: Postgres always, the queues when Redis answered (null when it did not). */
export interface StatusSources {
  db: DataSource;
  queues: JobProducer | null;
}

/**
 * One part of `nextbuy status`: how to collect it and how to print it. New parts are new entries
 * in STATUS_SECTIONS; `--json` prints every part under its key.
 */
interface StatusSection<K extends keyof StatusReport> {
  key: K;
  collect(sources: StatusSources): Promise<StatusReport[K]>;
  print(value: StatusReport[K], output: Output): void;
}

const LABEL = 14;
const label = (text: string) => text.padEnd(LABEL);

const countsSection: StatusSection<'counts'> = {
  key: 'counts',
  collect: ({ db }) => new StatsRepository(db).counts(),
  print(counts, output) {
    const width = Math.max(...Object.keys(counts).map((k) => k.length));
    for (const [name, n] of Object.entries(counts))
      output.out(`${name.padEnd(width)}  ${n.toLocaleString('en')}`);
  },
};

const activeSection: StatusSection<'active_build'> = {
  key: 'active_build',
  collect: async ({ db }) => {
    const build = await new BuildRepository(db).active();
    return build ? toBuildView(build) : null;
  },
  print(build, output) {
    output.out('');
    output.out(
      `${label('active build')}${build ? formatBuildLine(build).trim() : 'none (run `nextbuy rebuild`)'}`,
    );
  },
};

const inFlightSection: StatusSection<'builds_in_flight'> = {
  key: 'builds_in_flight',
  collect: async ({ db }) => (await new BuildRepository(db).inFlight()).map(toBuildView),
  print(builds = [], output) {
    if (builds.length === 0) output.out(`${label('in flight')}none`);
    for (const [i, b] of builds.entries())
      output.out(`${label(i === 0 ? 'in flight' : '')}${formatBuildLine(b).trim()}`);
  },
};

const queuesSection: StatusSection<'queues'> = {
  key: 'queues',
  collect: ({ queues }) =>
    queues
      ? withTimeout(queues.depths(), QUEUE_DEPTHS_TIMEOUT_MS, 'Redis did not answer').catch(() => undefined)
      : Promise.resolve(undefined),
  print(queues, output) {
    if (!queues) {
      output.out(`${label('queues')}unavailable (Redis is not reachable)`);
      return;
    }
    for (const [i, [name, counts]] of Object.entries(queues).entries())
      output.out(`${label(i === 0 ? 'queues' : '')}${formatQueueCounts(name, counts)}`);
  },
};

const recentSection: StatusSection<'recent_builds'> = {
  key: 'recent_builds',
  collect: async ({ db }) => (await new BuildRepository(db).list(RECENT_BUILDS)).map(toBuildView),
  print(builds = [], output) {
    if (builds.length === 0) return;
    output.out('');
    output.out('recent builds');
    for (const b of builds) output.out(`  ${formatBuildLine(b)}`);
  },
};

export const STATUS_SECTIONS = [
  countsSection,
  activeSection,
  inFlightSection,
  queuesSection,
  recentSection,
] as const;

/** Collects every section; without `queues` (Redis out of reach) the `queues` key is left out. */
export async function collectStatus(
  db: DataSource,
  queues: JobProducer | null = null,
): Promise<StatusReport> {
  const report: Partial<StatusReport> = {};
  const sources = { db, queues };
  for (const section of STATUS_SECTIONS) {
    const value = await (section.collect as (s: StatusSources) => Promise<unknown>)(sources);
    if (value !== undefined) (report as Record<string, unknown>)[section.key] = value;
  }
  return report as StatusReport;
}

export function printStatus(report: StatusReport, output: Output, json: boolean): void {
  if (json) {
    output.out(JSON.stringify(report, null, 2));
    return;
  }
  for (const section of STATUS_SECTIONS)
    (section.print as (v: unknown, o: Output) => void)(report[section.key], output);
}

/** Postgres parts always; queue depths when Redis answers within a short timeout. */
export async function runStatus(
  env: { DATABASE_URL: string; REDIS_URL: string; QUEUE_PREFIX: string },
  output: Output,
  json: boolean,
): Promise<StatusReport> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const redis = await tryConnectRedis(env.REDIS_URL);
    const producer = redis ? new JobProducer(redis, env.QUEUE_PREFIX) : null;
    try {
      const report = await collectStatus(db, producer);
      if (!report.queues)
        output.err(
          `queues unavailable: Redis at ${safeUrl(env.REDIS_URL)} is not reachable (check REDIS_URL)`,
        );
      printStatus(report, output, json);
      return report;
    } finally {
      await producer?.close().catch(() => undefined);
      if (redis) await closeRedis(redis);
    }
  });
}

export function registerStatusCommand(program: Command, output: Output = processOutput): void {
  program
    .command('status')
    .description('active build, builds in flight, queue depths, recent builds and row counts')
    .option('--json', 'print JSON (a StatusReport)')
    .action(async (options: { json?: boolean }) => {
      await runStatus(loadEnv(), output, Boolean(options.json));
    });
}
