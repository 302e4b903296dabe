/**
 * The slow fault cases, on the Online Retail data with the default worker timings
 * (`WORKER_LOCK_MS` / `WORKER_STALLED_CHECK_MS`, as a deployment runs them): the built apps as
 * `npm start` runs them (two features and two candidates workers), a Redis of the bench's own. For
 * each stage: a rebuild, SIGKILL of the process running the stage, the process started again at
 * once (as a supervisor would), then the time from the kill to the stage's next start, which must
 * be within RECOVERY_LIMIT_MS, and the build's total time. Every case also checks that serving
 * answered from the previous build throughout and that every event acknowledged with a 202 is
 * stored. `--twice` kills the ranker fit's process twice (the build must fail on its own, and the
 * next rebuild publish).
 *   npx tsx bench/faults/recovery.bench.ts [--fresh] [--stages snapshot,ranker] [--twice]
 */
import { createDataSource } from '@nextbuy/db';
import { RedisServer, type AppProcess } from '../../test/faults/processes';
import { FaultStack, waitForRestart } from '../../test/faults/stack';
import { onlineRetailDatabase } from './online-retail';

/** Issue #15: a lost stage runs again within 30 s of its worker's death. */
const RECOVERY_LIMIT_MS = 30_000;
const BUILD_TIMEOUT_MS = 10 * 60_000;
/** How long a stage may take to be reached (builds before it run on a loaded machine). */
const STAGE_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_STAGES = ['snapshot', 'item-graphs', 'ranker-window-1', 'ranker', 'rank-0', 'item-lists'];
/** Stages the candidates app runs; every other stage runs in a features process. */
const CANDIDATE_STAGES = /^(rank-\d+|plan-ranking|item-lists|publish)$/;

interface Row {
  stage: string;
  outcome: string;
  restartSeconds: number;
  buildSeconds: number;
  answers: number;
  wrong: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const stagesArg = args.indexOf('--stages');
  const stages = stagesArg >= 0 ? args[stagesArg + 1]!.split(',') : DEFAULT_STAGES;
  const databaseUrl = await onlineRetailDatabase(args.includes('--fresh'));
  const redis = await RedisServer.start(true);
  const stack = new FaultStack({ databaseUrl, redis, features: 2, candidates: 2 });
  const rows: Row[] = [];
  let failures = 0;
  try {
    await stack.start();
    let serving = await stack.trigger();
    await stack.waitForBuild(serving, ['published'], BUILD_TIMEOUT_MS);
    const customer = '17850';
    const among = (stage: string): AppProcess[] =>
      CANDIDATE_STAGES.test(stage) ? stack.candidates : stack.features;

    for (const stage of stages) {
      const id = await stack.trigger();
      const { result, answers, wrong } = await stack.watch(customer, '85123A', [serving, id], async () => {
        const victim = await stack.waitForStage(id, stage, among(stage), STAGE_TIMEOUT_MS);
        if (!victim) throw new Error(`build ${id} ended before ${stage} ran`);
        const killedAt = Date.now();
        await victim.stop('SIGKILL');
        await victim.start();
        const restartMs = await waitForRestart(stack, id, stage, killedAt, BUILD_TIMEOUT_MS);
        const build = await stack.waitForBuild(id, ['published', 'failed'], BUILD_TIMEOUT_MS);
        return { restartMs, build };
      });
      if (result.build.status === 'published') serving = id;
      rows.push({
        stage,
        outcome: result.build.status === 'published' ? 'published' : `failed: ${result.build.error}`,
        restartSeconds: result.restartMs / 1000,
        buildSeconds: result.build.seconds ?? 0,
        answers,
        wrong: wrong.length,
      });
      if (result.restartMs > RECOVERY_LIMIT_MS || wrong.length > 0 || result.build.status !== 'published')
        failures++;
      console.log(JSON.stringify(rows[rows.length - 1]));
    }

    if (args.includes('--twice')) {
      const id = await stack.trigger();
      const { result, wrong } = await stack.watch(customer, '85123A', [serving], async () => {
        for (let kill = 0; kill < 2; kill++) {
          const victim = await stack.waitForStage(id, 'ranker', stack.features, STAGE_TIMEOUT_MS);
          // Ended first: e.g. another stage lost its lock twice on a saturated machine (printed below).
          if (!victim) break;
          await victim.stop('SIGKILL');
          await victim.start();
        }
        return stack.waitForBuild(id, ['published', 'failed'], BUILD_TIMEOUT_MS);
      });
      console.log(
        `killed twice in ranker: build ${id} ${result.status} (${result.error}); wrong answers ${wrong.length}`,
      );
      if (result.status !== 'failed' || wrong.length > 0) failures++;
      const next = await stack.trigger();
      const done = await stack.waitForBuild(next, ['published', 'failed'], BUILD_TIMEOUT_MS);
      console.log(`next rebuild ${next}: ${done.status} in ${done.seconds} s`);
      if (done.status !== 'published') failures++;
    }

    const db = await createDataSource({ url: databaseUrl, poolSize: 1 }).initialize();
    const [{ n }] = await db.query<[{ n: number }]>(
      'SELECT count(*)::int AS n FROM events WHERE event_id = ANY($1::text[])',
      [stack.acknowledged],
    );
    await db.destroy();
    console.log(`events acknowledged ${stack.acknowledged.length}, stored ${n}`);
    if (n !== stack.acknowledged.length) failures++;
  } finally {
    await stack.stop();
    await redis.dispose();
  }
  console.log('| stage killed | kill → next start | build | build total | answers | wrong answers |');
  console.log('|---|---:|---|---:|---:|---:|');
  for (const r of rows)
    console.log(
      `| ${r.stage} | ${r.restartSeconds.toFixed(1)} s | ${r.outcome} | ${r.buildSeconds.toFixed(1)} s | ${r.answers} | ${r.wrong} |`,
    );
  if (failures > 0) {
    console.error(
      `${failures} case(s) over ${RECOVERY_LIMIT_MS / 1000} s or with a wrong answer or a lost event`,
    );
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
