/**
 * A steady-rate load client: `rate` GET requests per second, evenly spaced, open loop, timed from when
 * each was due to leave. Shared by the serving benches (`load.bench.ts`, `bench/scale/scale.ts`);
 * `paceInChild` runs it in a process of its own, so a garbage collection or a busy event loop of the
 * bench does not count against the server.
 */
import { fork } from 'node:child_process';
import { Agent, get } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface PaceJob {
  port: number;
  /** Request paths, cycled. */
  paths: string[];
  rate: number;
  seconds: number;
  headers: Record<string, string>;
  /** Seconds at the rate first, not counted (connections open, the server settles). Default 1. */
  warmSeconds?: number;
}

export interface PaceFigures {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  requests: number;
  /** How late the client itself sent its requests, p99 ms (its own share of the tail). */
  sentLateP99: number;
  /** The client's event-loop delay p99, ms. */
  clientLagP99: number;
}

/**
 * `rate` requests per second for `seconds`, evenly spaced (open loop: a request leaves at its time
 * whether or not earlier ones were answered), each timed from when it was due to leave, so a stall
 * counts for every request queued behind it. autocannon's `overallRate` is not this: each connection
 * sends its per-second quota back to back at the start of every second, so its "1,000 req/s" is a
 * burst at full speed followed by idling, and its p99 is the burst's queueing.
 */
export async function pace(job: PaceJob, agent = newAgent()): Promise<PaceFigures> {
  const { port, paths, rate, seconds, headers } = job;
  const total = Math.round(rate * seconds);
  const gap = 1000 / rate;
  const latencies: number[] = [];
  const sentLate: number[] = [];
  let errors = 0;
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let done = 0;
    const finish = () => {
      if (++done === total) resolve();
    };
    const tick = () => {
      const now = performance.now();
      for (; sent < total && started + sent * gap <= now; sent++) {
        const due = started + sent * gap;
        sentLate.push(now - due);
        const request = get(
          { host: '127.0.0.1', port, path: paths[sent % paths.length]!, agent, headers },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode !== 200) errors++;
              latencies.push(performance.now() - due);
              finish();
            });
          },
        );
        request.on('error', () => {
          errors++;
          finish();
        });
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsed = (performance.now() - started) / 1000;
  lag.disable();
  const at = (values: number[], q: number) => {
    values.sort((a, b) => a - b);
    return Math.round((values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0) * 10) / 10;
  };
  return {
    rps: total / elapsed,
    p50: at(latencies, 0.5),
    p90: at(latencies, 0.9),
    p99: at(latencies, 0.99),
    max: at(latencies, 1),
    errors,
    requests: total,
    sentLateP99: at(sentLate, 0.99),
    clientLagP99: Math.round(lag.percentile(99) / 1e5) / 10,
  };
}

/** Keep-alive connections, as a storefront's servers or a load balancer hold them. */
function newAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 64 });
}

/** `pace` in a child process of its own (this file), warm-up second(s) first. */
export function paceInChild(job: PaceJob): Promise<PaceFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], { env: { ...process.env, BENCH_PACE_CHILD: '1' } });
    child.once('message', (figures) => {
      resolve(figures as PaceFigures);
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the load client exited with ${code}`));
    });
    child.send(job);
  });
}

if (process.env.BENCH_PACE_CHILD === '1' && process.send) {
  process.once('message', (job: PaceJob) => {
    // The warm-up takes its paths from the end of the list, so the counted run starts on paths it
    // has not requested (a cold-cache run stays cold). The two share their agent: the counted run
    // starts on the connections the warm-up opened, not by opening up to 64 new ones in its first
    // second (which was most of a cold run's p99).
    const warm = job.warmSeconds ?? 1;
    const warmPaths = job.paths.slice(-Math.max(1, Math.round(warm * job.rate)));
    const agent = newAgent();
    void (warm > 0 ? pace({ ...job, paths: warmPaths, seconds: warm }, agent) : Promise.resolve())
      .then(() => pace(job, agent))
      .then((figures) => {
        agent.destroy();
        process.send!(figures);
      });
  });
}
