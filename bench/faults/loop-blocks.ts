/**
 * The longest stretch each rebuild stage holds its worker's event loop, on the Online Retail data:
 * a job's lock is renewed by a timer on that loop, so `WORKER_LOCK_MS` must stay well above it.
 * Runs the built worker apps as `npm start` does (two features, two candidates processes) with
 * `loop-monitor.cjs` preloaded, one rebuild, and maps every block to the stage its process ran then.
 *   npx tsx bench/faults/loop-blocks.ts [--fresh] [--runs N]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../../test/faults/processes';
import { FaultStack } from '../../test/faults/stack';
import { onlineRetailDatabase } from './online-retail';

const BUILD_TIMEOUT_MS = 10 * 60_000;

interface Block {
  pid: number;
  end: number;
  ms: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf('--runs') + 1] || 1);
  const databaseUrl = await onlineRetailDatabase(args.includes('--fresh'));
  const dir = mkdtempSync(join(tmpdir(), 'nextbuy-loop-blocks-'));
  const file = join(dir, 'blocks.jsonl');
  const redis = await RedisServer.start(false);
  const stack = new FaultStack({
    databaseUrl,
    redis,
    features: 2,
    candidates: 2,
    env: { LOOP_MONITOR_FILE: file, LOOP_MONITOR_MIN_MS: '100' },
    workerNodeArgs: ['-r', join(__dirname, 'loop-monitor.cjs')],
  });
  const longest = new Map<string, number>();
  try {
    await stack.start();
    for (let run = 1; run <= runs; run++) {
      const id = await stack.trigger();
      const build = await stack.waitForBuild(id, ['published', 'failed'], BUILD_TIMEOUT_MS);
      if (build.status !== 'published') throw new Error(`build ${id} failed: ${build.error}`);
      const blocks = readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Block);
      console.log(`run ${run}: build ${id} published in ${build.seconds} s`);
      for (const [stage, s] of Object.entries(build.stages)) {
        if (!s.started_at || !s.finished_at || !s.worker) continue;
        const pid = Number(s.worker.slice(s.worker.lastIndexOf(':') + 1));
        const from = Date.parse(s.started_at);
        const to = Date.parse(s.finished_at);
        // A block ends within its stage (or as the stage's last write is noted): a little slack at the end.
        const within = blocks.filter((b) => b.pid === pid && b.end - b.ms >= from - 50 && b.end <= to + 200);
        const max = Math.max(0, ...within.map((b) => b.ms));
        longest.set(stage, Math.max(longest.get(stage) ?? 0, max));
        console.log(
          `  ${stage.padEnd(22)} ${(s.seconds ?? 0).toFixed(2).padStart(6)} s  longest block ${(max / 1000).toFixed(2)} s`,
        );
      }
    }
  } finally {
    await stack.stop('SIGTERM');
    await redis.dispose();
  }
  const worst = Math.max(...longest.values());
  console.log(`longest block over ${runs} run(s): ${(worst / 1000).toFixed(2)} s`);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
