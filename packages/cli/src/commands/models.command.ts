import type { Command } from 'commander';
import { loadEnv } from '@nextbuy/config';
import type { ModelView } from '@nextbuy/contracts';
import { ModelRepository, ModelStateError, toModelView } from '@nextbuy/db';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK } from '../errors';
import { processOutput, type Output } from '../output';

const iso = (t: string | null) => (t ? t.replace(/\.\d+Z$/, 'Z') : '-');
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

/** One line per model: `3  active  as of …  trained …  MAP@12 21.40 % (active 21.10 %)  activated`. */
export function formatModelLine(m: ModelView): string {
  const parts = [m.model_id.padStart(4), m.status.padEnd(9), `as of ${iso(m.as_of)}`];
  if (m.trained_at) parts.push(`trained ${iso(m.trained_at)}`);
  if (m.build_id) parts.push(`build ${m.build_id}`);
  const r = m.report;
  if (r) {
    parts.push(
      `MAP@${r.k} ${pct(r.candidate.map)}${r.active ? ` (model ${r.active.model_id}: ${pct(r.active.map)})` : ''}`,
    );
    parts.push(r.decision);
  }
  if (m.error) parts.push(`error: ${m.error}`);
  return parts.join('  ');
}

/** A model and its gate report, as `nextbuy train --wait` and `nextbuy models show` print it. */
export function printModel(m: ModelView, output: Output): void {
  output.out(
    `model ${m.model_id}: ${m.status}, as of ${iso(m.as_of)}${m.build_id ? `, build ${m.build_id}` : ''}`,
  );
  if (m.windows.length) output.out(`  training windows (cuts): ${m.windows.map(iso).join(', ')}`);
  if (m.trained_rows !== null) output.out(`  trained on ${m.trained_rows.toLocaleString('en')} rows`);
  const r = m.report;
  if (r) {
    output.out(
      `  gate: ${r.customers} holdout customers (${r.holdout_percent} %), horizon ${iso(r.horizon.from)} → ${iso(r.horizon.to)}, tolerance ${(r.tolerance * 100).toFixed(1)} points`,
    );
    output.out(`    this model     MAP@${r.k} ${pct(r.candidate.map)}  recall ${pct(r.candidate.recall)}`);
    if (r.active)
      output.out(
        `    model ${r.active.model_id.padEnd(8)} MAP@${r.k} ${pct(r.active.map)}  recall ${pct(r.active.recall)}`,
      );
    output.out(`  decision: ${r.decision} (${r.reason})`);
  }
  if (m.error) output.out(`  error: ${m.error}`);
}

export async function runModelsList(
  env: { DATABASE_URL: string },
  output: Output,
  json = false,
): Promise<number> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const models = (await new ModelRepository(db).list(50)).map(toModelView);
    if (json) output.out(JSON.stringify(models, null, 2));
    else if (models.length === 0) output.out('no models yet (nextbuy train, or any rebuild, trains one)');
    else for (const m of models) output.out(formatModelLine(m));
    return EXIT_OK;
  });
}

export async function runModelsShow(
  env: { DATABASE_URL: string },
  id: string,
  output: Output,
): Promise<number> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const model = await new ModelRepository(db).get(id);
    if (!model) {
      output.err(`model ${JSON.stringify(id)} does not exist (nextbuy models list)`);
      return EXIT_FAILED;
    }
    printModel(toModelView(model), output);
    return EXIT_OK;
  });
}

/** `activate ID` or `rollback`: a flip of the active model in one transaction. */
export async function runModelsFlip(
  env: { DATABASE_URL: string },
  action: { activate: string } | 'rollback',
  output: Output,
): Promise<number> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const models = new ModelRepository(db);
    try {
      if (action === 'rollback') {
        const { id, replaced } = await models.rollback();
        output.out(`model ${id} is the active model again (model ${replaced} is retired)`);
      } else {
        const id = action.activate;
        if (!(await models.get(id))) {
          output.err(`model ${JSON.stringify(id)} does not exist (nextbuy models list)`);
          return EXIT_FAILED;
        }
        const replaced = await models.activate(id);
        output.out(
          replaced === null
            ? `model ${id} is the active model`
            : `model ${id} is the active model (model ${replaced} is retired)`,
        );
      }
      output.out('the next rebuild ranks with it');
      return EXIT_OK;
    } catch (e) {
      if (e instanceof ModelStateError) {
        output.err(e.message);
        return EXIT_FAILED;
      }
      throw e;
    }
  });
}

export function registerModelsCommand(program: Command, output: Output = processOutput): void {
  const models = program
    .command('models')
    .description('trained ranker models: list, show, activate, roll back');
  models
    .command('list')
    .description('models, newest first, with their gate decisions')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await runModelsList(loadEnv(), output, options.json);
    });
  models
    .command('show')
    .description('one model with its training windows and gate report')
    .argument('<model_id>')
    .action(async (id: string) => {
      process.exitCode = await runModelsShow(loadEnv(), id, output);
    });
  models
    .command('activate')
    .description('make a trained model the active one (the next rebuild ranks with it)')
    .argument('<model_id>')
    .action(async (id: string) => {
      process.exitCode = await runModelsFlip(loadEnv(), { activate: id }, output);
    });
  models
    .command('rollback')
    .description('re-activate the model that was active before the active one')
    .action(async () => {
      process.exitCode = await runModelsFlip(loadEnv(), 'rollback', output);
    });
}
