import type { Command } from 'commander';
import { NextbuyApiError, NextbuyClient, NextbuyConnectionError } from '@nextbuy/client';
import { covers, loadEnv, type Env } from '@nextbuy/config';
import type { RankedItem, RecommendationsResponse } from '@nextbuy/contracts';
import { EXIT_FAILED, EXIT_FATAL, EXIT_OK, FatalError } from '../errors';
import { processOutput, type Output } from '../output';

/** Serving answers from memory or one indexed read: ten seconds means it is stuck, not slow. */
export const SERVING_TIMEOUT_MS = 10_000;

export interface ServingTarget {
  /** e.g. `http://127.0.0.1:3000` */
  url: string;
  apiKey?: string;
}

/**
 * Where serving is and which key to use: `SERVING_URL` (default: this machine's `SERVING_PORT`),
 * `NEXTBUY_API_KEY`, else the first key of `NEXTBUY_API_KEYS` that grants `read` (every scope does).
 */
export function servingTarget(
  env: Pick<Env, 'SERVING_PORT' | 'NEXTBUY_API_KEYS' | 'SERVING_URL' | 'NEXTBUY_API_KEY'>,
): ServingTarget {
  const url = (env.SERVING_URL ?? `http://127.0.0.1:${env.SERVING_PORT}`).replace(/\/+$/, '');
  const readOrStronger = env.NEXTBUY_API_KEYS.find((k) => covers(k.scope, 'read'));
  return { url, apiKey: env.NEXTBUY_API_KEY ?? readOrStronger?.key };
}

export interface RecommendOptions {
  limit?: string;
  json?: boolean;
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text))
    throw new FatalError(`--limit must be a whole number (got ${JSON.stringify(text)})`);
  return Number(text);
}

/**
 * What the serving API returns for one customer. Exit 0 with the list; 1 when serving refused the
 * request (4xx: its message is printed); 2 when serving is out of reach or cannot answer (5xx).
 */
export async function runRecommend(
  target: ServingTarget,
  customerId: string,
  options: RecommendOptions,
  output: Output,
): Promise<{ exitCode: number; response?: RecommendationsResponse }> {
  const limit = parseLimit(options.limit);
  const client = new NextbuyClient({
    baseUrl: target.url,
    apiKey: target.apiKey,
    timeoutMs: SERVING_TIMEOUT_MS,
  });
  let response: RecommendationsResponse;
  try {
    response = await client.recommendations(customerId, { limit });
  } catch (e) {
    if (e instanceof NextbuyConnectionError) {
      output.err(
        e.timedOut
          ? `serving at ${target.url} did not answer within ${SERVING_TIMEOUT_MS / 1000} s`
          : `serving is not reachable at ${target.url}: start it with \`npm start\``,
      );
      return { exitCode: EXIT_FATAL };
    }
    if (!(e instanceof NextbuyApiError)) throw e;
    const hint =
      e.status === 401 || e.status === 403
        ? ' (set NEXTBUY_API_KEY, or NEXTBUY_API_KEYS as the serving app has it)'
        : '';
    output.err(`serving answered ${e.status}: ${e.body.message}${hint}`);
    return { exitCode: e.status < 500 ? EXIT_FAILED : EXIT_FATAL };
  }
  if (options.json) output.out(JSON.stringify(response, null, 2));
  else printRecommendations(response, output);
  return { exitCode: EXIT_OK, response };
}

const COLUMNS = ['rank', 'product_id', 'name', 'category', 'score', 'strategy'] as const;
/** Product names run long; the table stays readable in 120 columns. */
const MAX_NAME = 36;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function cells(item: RankedItem): string[] {
  return [
    String(item.rank),
    item.product_id,
    clip(item.name ?? '', MAX_NAME),
    item.category ?? '',
    item.score.toFixed(4),
    item.strategy,
  ];
}

/** A table (rank, product, name, category, score, strategy); the reasons of each item under it. */
export function printRecommendations(r: RecommendationsResponse, output: Output): void {
  output.out(
    `customer ${r.customer_id}: ${r.items.length} item(s) from build ${r.build_id} (variant ${r.variant}, recommendation ${r.recommendation_id})`,
  );
  if (r.items.length === 0) return;
  const rows = r.items.map(cells);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === 0 || i === 4 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  output.out(line(COLUMNS));
  r.items.forEach((item, i) => {
    output.out(line(rows[i]!));
    for (const reason of item.reasons) {
      const text = reason.text ?? `${reason.feature} = ${reason.value}`;
      output.out(`${' '.repeat(widths[0]! + 2)}· ${text} (${Math.round(reason.attribution * 100)}%)`);
    }
  });
}

export function registerRecommendCommand(program: Command, output: Output = processOutput): void {
  program
    .command('recommend')
    .description('what the serving API returns for a customer (SERVING_URL, default this machine)')
    .argument('<customer_id>', "the retailer's customer id")
    .option('--limit <n>', 'how many items (serving accepts 1–50, default 10)')
    .option('--json', 'print the raw response')
    .action(async (customerId: string, options: RecommendOptions) => {
      const { exitCode } = await runRecommend(servingTarget(loadEnv()), customerId, options, output);
      process.exitCode = exitCode;
    });
}
