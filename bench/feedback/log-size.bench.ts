/**
 * Answer-log size: logs `--answers` served answers (12 items each, Online Retail-like ids) through
 * serving's own RecommendationLogService under each `ANSWER_LOG` policy, on a fresh database per
 * policy, and prints the log's bytes (tables, indexes, all partitions) per *served* answer.
 *
 *   npx turbo run build --filter=@nextbuy/serving...   # the bench runs the built app
 *   npx tsx bench/feedback/log-size.bench.ts [--answers 50000] [--experiment-share 0.1]
 */
import { Client } from 'pg';
import { parseEnv } from '@nextbuy/config';
import { recommendationId } from '@nextbuy/contracts';
import { createDataSource, FeedbackRepository, migrate, quoteIdent } from '@nextbuy/db';

import type { ServedAnswer } from '@nextbuy/db';

/** Serving's own log service and configuration, from its build (the app is not a package). */
interface AnswerLog {
  record(answer: ServedAnswer): void;
  flush(): Promise<void>;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const { RecommendationLogService } =
  require('../../apps/serving/dist/feedback/recommendation-log.service') as {
    RecommendationLogService: new (repo: FeedbackRepository, config: unknown) => AnswerLog;
  };
const { servingConfig } = require('../../apps/serving/dist/serving.config') as {
  servingConfig: (env: ReturnType<typeof parseEnv>, overrides: object) => unknown;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function measure(policy: string, answers: number, experimentShare: number): Promise<number> {
  const name = `nextbuy_bench_logsize_${process.pid}`;
  const url = Object.assign(new URL(SERVER_URL), { pathname: `/${name}` }).toString();
  await migrate(url);
  const db = await createDataSource({ url, poolSize: 2, applicationName: 'bench-log-size' }).initialize();
  try {
    const config = servingConfig(parseEnv({ ANSWER_LOG: policy }), { logFlushIntervalMs: 600_000 });
    const log = new RecommendationLogService(new FeedbackRepository(db), config);
    const strategies = ['repurchase', 'collaborative', 'similar', 'bought_together', 'popular', 'trending'];
    for (let i = 0; i < answers; i++) {
      const now = Date.now();
      const inExperiment = i % Math.round(1 / experimentShare) === 0;
      log.record({
        recommendationId: recommendationId(now),
        servedAt: new Date(now),
        customerId: String(12346 + (i % 4372)),
        buildId: '42',
        experimentId: inExperiment ? '3' : null,
        variant: inExperiment ? (i % 2 ? 'control' : 'collab-first') : 'default',
        productIds: Array.from(
          { length: 12 },
          (_, k) => String(20000 + ((i * 7 + k * 131) % 3800)) + (k % 3 ? '' : 'A'),
        ),
        strategies: Array.from({ length: 12 }, (_, k) => strategies[(i + k) % strategies.length]!),
      });
      if (i % 1000 === 999) await log.flush();
    }
    await log.flush();
    await db.query('VACUUM ANALYZE recommendation_log');
    const [{ bytes }] = await db.query<[{ bytes: number }]>(
      `SELECT sum(pg_total_relation_size(inhrelid))::float8 AS bytes FROM pg_inherits
       WHERE inhparent = 'recommendation_log'::regclass`,
    );
    return bytes / answers;
  } finally {
    await db.destroy();
    const admin = new Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  const answers = arg('answers', 50_000);
  const share = arg('experiment-share', 0.1);
  console.log(`${answers} answers of 12 items, ${share * 100}% of them inside an experiment`);
  for (const policy of ['all', 'sample:0.1', 'experiments']) {
    const perAnswer = await measure(policy, answers, share);
    console.log(
      `ANSWER_LOG=${policy.padEnd(12)} ${perAnswer.toFixed(0).padStart(4)} bytes of log per served answer`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
