import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { loadEnv } from '@nextbuy/config';
import {
  createExperimentSchema,
  describeIssues,
  type ExperimentReport,
  type ExperimentView,
  type FunnelStats,
  type RateInterval,
} from '@nextbuy/contracts';
import {
  ExperimentNameTakenError,
  ExperimentNotFoundError,
  ExperimentRepository,
  ExperimentRunningError,
  ExperimentStateError,
  FeedbackRepository,
  toExperimentView,
} from '@nextbuy/db';
import type { DataSource } from 'typeorm';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { processOutput, type Output } from '../output';

type DatabaseEnv = { DATABASE_URL: string };

export interface ExperimentResult {
  exitCode: number;
  experiment?: ExperimentView;
}

/** `--variants` is JSON when it looks like JSON, else the path of a JSON file. */
async function readVariants(text: string): Promise<unknown> {
  const inline = /^\s*[[{]/.test(text);
  let json: string;
  try {
    json = inline ? text : await readFile(text, 'utf8');
  } catch (e) {
    throw new FatalError(`--variants: cannot read ${JSON.stringify(text)} (${(e as Error).message})`);
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (e) {
    throw new FatalError(
      `--variants: not valid JSON${inline ? '' : ` in ${text}`} (${(e as Error).message})`,
    );
  }
}

/**
 * The experiment errors a command can meet are answers, not failures to run: exit 1 with the
 * message (unknown id, taken name, wrong state, another one running).
 */
async function answering(output: Output, work: () => Promise<ExperimentResult>): Promise<ExperimentResult> {
  try {
    return await work();
  } catch (e) {
    if (
      e instanceof ExperimentNotFoundError ||
      e instanceof ExperimentNameTakenError ||
      e instanceof ExperimentRunningError ||
      e instanceof ExperimentStateError
    ) {
      output.err(e.message);
      return { exitCode: EXIT_FAILED };
    }
    throw e;
  }
}

const experimentLine = (e: ExperimentView) =>
  `${e.experiment_id.padStart(4)}  ${e.status.padEnd(8)} ${e.name}  ` +
  e.variants.map((v) => `${v.name} ${Math.round(v.share * 1000) / 10}%`).join(', ');

function printExperiment(e: ExperimentView, output: Output, json: boolean): void {
  output.out(json ? JSON.stringify(e, null, 2) : experimentLine(e));
}

/** `nextbuy experiments create --name N --variants JSON|FILE`: a draft; start it to serve it. */
export async function runExperimentsCreate(
  env: DatabaseEnv,
  options: { name?: string; variants?: string; json?: boolean },
  output: Output,
): Promise<ExperimentResult> {
  if (options.name === undefined) throw new FatalError('--name is required');
  if (options.variants === undefined)
    throw new FatalError(
      '--variants is required: a JSON array (or a file holding one) of {name, share, config}, shares summing to 1',
    );
  const parsed = createExperimentSchema.safeParse(
    { name: options.name, variants: await readVariants(options.variants) },
    { reportInput: true },
  );
  if (!parsed.success) throw new FatalError(`invalid experiment: ${describeIssues(parsed.error).join('; ')}`);
  return withDatabase(env.DATABASE_URL, (db) =>
    answering(output, async () => {
      const experiment = toExperimentView(await new ExperimentRepository(db).create(parsed.data));
      printExperiment(experiment, output, Boolean(options.json));
      if (!options.json)
        output.out(`created as a draft: nextbuy experiments start ${experiment.experiment_id}`);
      return { exitCode: EXIT_OK, experiment };
    }),
  );
}

export async function runExperimentsList(
  env: DatabaseEnv,
  options: { json?: boolean },
  output: Output,
): Promise<ExperimentView[]> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const experiments = (await new ExperimentRepository(db).list()).map(toExperimentView);
    if (options.json) output.out(JSON.stringify(experiments, null, 2));
    else if (experiments.length === 0) output.out('no experiments (nextbuy experiments create)');
    else for (const e of experiments) output.out(experimentLine(e));
    return experiments;
  });
}

/** Start or stop. Serving replicas follow at their next re-read (`experimentPollIntervalMs`, 5 s). */
export async function runExperimentsTransition(
  env: DatabaseEnv,
  action: 'start' | 'stop',
  id: string,
  output: Output,
): Promise<ExperimentResult> {
  return withDatabase(env.DATABASE_URL, (db) =>
    answering(output, async () => {
      const repo = new ExperimentRepository(db);
      const experiment = toExperimentView(action === 'start' ? await repo.start(id) : await repo.stop(id));
      output.out(experimentLine(experiment));
      output.out(
        action === 'start'
          ? 'running: serving assigns its variants within a few seconds'
          : 'stopped: answers go back to the default variant within a few seconds',
      );
      return { exitCode: EXIT_OK, experiment };
    }),
  );
}

/** The same report as `GET /v1/experiments/{id}/report`, read straight from Postgres. */
export async function collectExperimentReport(db: DataSource, id: string): Promise<ExperimentReport> {
  const experiment = await new ExperimentRepository(db).get(id);
  if (!experiment) throw new ExperimentNotFoundError(id);
  const feedback = new FeedbackRepository(db);
  const [served, funnel] = await Promise.all([feedback.servedPerVariant(id), feedback.funnel(id)]);
  // The engine (where reports are computed) is loaded only by the command that needs it.
  const { buildReport } = await import('@nextbuy/engine');
  return buildReport(toExperimentView(experiment), served, funnel);
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
/** `5.00% (4.57–5.45)`; a dash when nothing was shown. */
export const formatRate = (r: RateInterval) =>
  r.rate === null ? '—' : `${percent(r.rate)} (${percent(r.low!)}–${percent(r.high!)})`;

const COLUMNS = [
  'variant',
  'group',
  'shown',
  'clicks',
  'CTR (95% CI)',
  'carts',
  'bought',
  'conversion (95% CI)',
];

/** The report as a table: per variant its total, then each strategy, then each position. */
export function formatExperimentReport(report: ExperimentReport): string[] {
  const row = (variant: string, group: string, s: FunnelStats) => [
    variant,
    group,
    String(s.impressions),
    String(s.clicks),
    formatRate(s.ctr),
    String(s.add_to_cart),
    String(s.purchases),
    formatRate(s.conversion),
  ];
  const rows = report.variants.flatMap((v) => [
    row(v.variant, `all (${v.recommendations} answer${v.recommendations === 1 ? '' : 's'})`, v),
    ...v.strategies.map((s) => row('', `strategy ${s.strategy}`, s)),
    ...v.positions.map((p) => row('', `position ${p.position}`, p)),
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const e = report.experiment;
  return [
    `experiment ${e.experiment_id} "${e.name}" (${e.status}), report of ${report.generated_at}`,
    '',
    line(COLUMNS),
    ...rows.map(line),
  ];
}

export async function runExperimentsReport(
  env: DatabaseEnv,
  id: string,
  options: { json?: boolean },
  output: Output,
): Promise<ExperimentResult & { report?: ExperimentReport }> {
  return withDatabase(env.DATABASE_URL, (db) =>
    answering(output, async () => {
      const report = await collectExperimentReport(db, id);
      if (options.json) output.out(JSON.stringify(report, null, 2));
      else for (const l of formatExperimentReport(report)) output.out(l);
      return { exitCode: EXIT_OK, experiment: report.experiment, report };
    }),
  );
}

export function registerExperimentsCommand(program: Command, output: Output = processOutput): void {
  const experiments = program
    .command('experiments')
    .description('A/B experiments of the serving API: define, start, stop, report CTR and conversion');
  const done = ({ exitCode }: { exitCode: number }) => {
    process.exitCode = exitCode;
  };
  experiments
    .command('create')
    .description('define an experiment (a draft until started)')
    .option('--name <name>', 'a unique name')
    .option(
      '--variants <json|file>',
      'JSON array (or a file of it): [{"name":"control","share":0.5,"config":{"source":"popular"}}, …]',
    )
    .option('--json', 'print the experiment as JSON')
    .action(async (options: { name?: string; variants?: string; json?: boolean }) =>
      done(await runExperimentsCreate(loadEnv(), options, output)),
    );
  experiments
    .command('list')
    .description('every experiment, newest first')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await runExperimentsList(loadEnv(), options, output);
    });
  for (const action of ['start', 'stop'] as const) {
    experiments
      .command(action)
      .description(
        action === 'start' ? 'start a draft experiment (one runs at a time)' : 'stop the running experiment',
      )
      .argument('<id>', 'the experiment id (nextbuy experiments list)')
      .action(async (id: string) => done(await runExperimentsTransition(loadEnv(), action, id, output)));
  }
  experiments
    .command('report')
    .description(
      'CTR, add-to-cart rate and conversion per variant, strategy and position (95% Wilson intervals)',
    )
    .argument('<id>', 'the experiment id')
    .option('--json', 'print the report as JSON (the API’s shape)')
    .action(async (id: string, options: { json?: boolean }) =>
      done(await runExperimentsReport(loadEnv(), id, options, output)),
    );
}
