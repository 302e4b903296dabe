import type { Command } from 'commander';
import { loadEnv } from '@nextbuy/config';
import { describeIssues, ruleInputSchema, type RuleView } from '@nextbuy/contracts';
import { RuleRepository, TooManyRulesError, toRuleView } from '@nextbuy/db';
import { withDatabase } from '../database';
import { EXIT_FAILED, EXIT_OK, FatalError } from '../errors';
import { processOutput, type Output } from '../output';

type DatabaseEnv = { DATABASE_URL: string };

export interface RulesResult {
  exitCode: number;
  rule?: RuleView;
  rules?: RuleView[];
}

export interface AddRuleOptions {
  name?: string;
  kind?: string;
  condition?: string;
  position?: string;
  factor?: string;
  filter?: string;
  segment?: string;
  product?: string;
  category?: string;
  startsAt?: string;
  endsAt?: string;
  priority?: string;
  json?: boolean;
}

/** What a rule does, in a few words: `pin at 3`, `boost ×2`, `filter exclude`. */
function action(r: RuleView): string {
  if (r.kind === 'pin') return `pin at ${r.position}`;
  if (r.kind === 'filter') return `filter ${r.filter}`;
  return `${r.kind} ×${r.factor}`;
}

export function ruleLine(r: RuleView): string {
  const context = Object.entries(r.context ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const window = r.starts_at || r.ends_at ? ` [${r.starts_at ?? '…'} → ${r.ends_at ?? '…'})` : '';
  return (
    `${r.rule_id.padStart(4)}  ${action(r).padEnd(16)} prio ${String(r.priority).padStart(3)}  ${r.condition}` +
    `${context ? `  when ${context}` : ''}${window}${r.name ? `  "${r.name}"` : ''}`
  );
}

const number = (what: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new FatalError(`${what} must be a number (got ${JSON.stringify(text)})`);
  return n;
};

/**
 * `nextbuy rules add --kind K --condition C …`: checks the condition with the engine's parser (the
 * error points at the position), stores the rule; serving applies it within a second (its version check).
 */
export async function runRulesAdd(
  env: DatabaseEnv,
  options: AddRuleOptions,
  output: Output,
): Promise<RulesResult> {
  const context = {
    ...(options.segment !== undefined ? { segment: options.segment } : {}),
    ...(options.product !== undefined ? { product_id: options.product } : {}),
    ...(options.category !== undefined ? { category: options.category } : {}),
  };
  const parsed = ruleInputSchema.safeParse(
    {
      ...(options.name !== undefined ? { name: options.name } : {}),
      kind: options.kind,
      condition: options.condition,
      position: number('--position', options.position),
      factor: number('--factor', options.factor),
      filter: options.filter,
      context: Object.keys(context).length > 0 ? context : undefined,
      starts_at: options.startsAt,
      ends_at: options.endsAt,
      priority: number('--priority', options.priority),
    },
    { reportInput: true },
  );
  if (!parsed.success) throw new FatalError(`invalid rule: ${describeIssues(parsed.error).join('; ')}`);
  // The engine (the parser) is loaded only by the command that needs it.
  const { ConditionSyntaxError, parseCondition } = await import('@nextbuy/engine');
  try {
    parseCondition(parsed.data.condition);
  } catch (e) {
    if (!(e instanceof ConditionSyntaxError)) throw e;
    const line = parsed.data.condition.split('\n')[e.line - 1] ?? '';
    output.err(`--condition: ${e.message}`);
    output.err(`  ${line}`);
    output.err(`  ${' '.repeat(Math.max(0, e.column - 1))}^`);
    return { exitCode: EXIT_FAILED };
  }
  return withDatabase(env.DATABASE_URL, async (db) => {
    try {
      const rule = toRuleView(await new RuleRepository(db).create(parsed.data));
      output.out(options.json ? JSON.stringify(rule, null, 2) : ruleLine(rule));
      return { exitCode: EXIT_OK, rule };
    } catch (e) {
      if (!(e instanceof TooManyRulesError)) throw e;
      output.err(e.message);
      return { exitCode: EXIT_FAILED };
    }
  });
}

export async function runRulesList(
  env: DatabaseEnv,
  options: { json?: boolean },
  output: Output,
): Promise<RulesResult> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const rules = (await new RuleRepository(db).list()).map(toRuleView);
    if (options.json) output.out(JSON.stringify(rules, null, 2));
    else if (rules.length === 0) output.out('no rules (nextbuy rules add)');
    else for (const r of rules) output.out(ruleLine(r));
    return { exitCode: EXIT_OK, rules };
  });
}

export async function runRulesShow(
  env: DatabaseEnv,
  id: string,
  options: { json?: boolean },
  output: Output,
): Promise<RulesResult> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    const row = await new RuleRepository(db).get(id);
    if (!row) {
      output.err(`rule ${JSON.stringify(id)} does not exist (nextbuy rules list)`);
      return { exitCode: EXIT_FAILED };
    }
    const rule = toRuleView(row);
    output.out(options.json ? JSON.stringify(rule, null, 2) : ruleLine(rule));
    return { exitCode: EXIT_OK, rule };
  });
}

export async function runRulesRemove(env: DatabaseEnv, id: string, output: Output): Promise<RulesResult> {
  return withDatabase(env.DATABASE_URL, async (db) => {
    if (!(await new RuleRepository(db).remove(id))) {
      output.err(`rule ${JSON.stringify(id)} does not exist (nextbuy rules list)`);
      return { exitCode: EXIT_FAILED };
    }
    output.out(`removed rule ${id}: serving stops applying it within a second`);
    return { exitCode: EXIT_OK };
  });
}

export function registerRulesCommand(program: Command, output: Output = processOutput): void {
  const rules = program
    .command('rules')
    .description(
      'merchandising rules applied to every served answer: pin, boost, bury, filter (docs/rules.md)',
    );
  const done = ({ exitCode }: { exitCode: number }) => {
    process.exitCode = exitCode;
  };
  rules
    .command('list')
    .description('every rule, oldest first')
    .option('--json', 'print JSON (the API’s shape)')
    .action(async (options: { json?: boolean }) => done(await runRulesList(loadEnv(), options, output)));
  rules
    .command('add')
    .description('add a rule; serving applies it within a second')
    .option('--kind <kind>', 'pin, boost, bury or filter')
    .option('--condition <expr>', `which products, e.g. "category = 'Outdoor' AND price < 50"`)
    .option('--position <n>', 'pin: 1-based position')
    .option('--factor <x>', 'boost / bury: greater than 1')
    .option('--filter <mode>', 'filter: include or exclude')
    .option('--segment <segment>', 'context: only for customers of this segment')
    .option('--product <id>', 'context: only while this product is viewed')
    .option('--category <category>', 'context: only while this category is browsed')
    .option('--starts-at <iso>', 'applies from then')
    .option('--ends-at <iso>', 'applies until then (exclusive)')
    .option('--priority <n>', 'higher first (default 0)')
    .option('--name <name>', 'a label')
    .option('--json', 'print the rule as JSON')
    .action(async (options: AddRuleOptions) => done(await runRulesAdd(loadEnv(), options, output)));
  rules
    .command('show')
    .description('one rule')
    .argument('<id>', 'the rule id (nextbuy rules list)')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) =>
      done(await runRulesShow(loadEnv(), id, options, output)),
    );
  rules
    .command('remove')
    .description('delete a rule')
    .argument('<id>', 'the rule id')
    .action(async (id: string) => done(await runRulesRemove(loadEnv(), id, output)));
}
