/**
 * Background event load for the real-time benches: `rate` events/s through `POST /v1/events`, session
 * shaped (every 100 ms, shoppers each send a batch of 5 `view` events of random products), in a child
 * process of its own (this file), so the bench's own probes and event loop do not slow the load nor
 * the load the probes.
 *
 *   const load = startEventLoad({ url, headers, customers, products, rate: 500 });
 *   … probes …
 *   const { events, errors, seconds } = await load.stop();
 */
import { fork } from 'node:child_process';

export interface EventLoadJob {
  /** The ingestion app's base URL. */
  url: string;
  headers: Record<string, string>;
  customers: string[];
  products: string[];
  /** Events per second. */
  rate: number;
  /**
   * Added to the wall clock for the events' timestamps (default 0): a store whose data ends in the
   * past gets events just after its last one, so a later rebuild's `as_of` stays on its timeline.
   */
  clockOffsetMs?: number;
}

export interface EventLoadFigures {
  /** Events accepted (202). */
  events: number;
  /** Batches refused or failed. */
  errors: number;
  seconds: number;
}

const TICK_MS = 100;
const EVENTS_PER_SHOPPER = 5;

export interface EventLoad {
  stop(): Promise<EventLoadFigures>;
}

export function startEventLoad(job: EventLoadJob): EventLoad {
  const child = fork(__filename, [], { env: { ...process.env, BENCH_EVENT_LOAD_CHILD: '1' } });
  const figures = new Promise<EventLoadFigures>((resolve, reject) => {
    child.once('message', (f) => {
      resolve(f as EventLoadFigures);
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the event load exited with ${code}`));
    });
  });
  child.send({ start: job });
  return {
    stop: () => {
      child.send({ stop: true });
      return figures;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

async function run(job: EventLoadJob, stopped: () => boolean): Promise<EventLoadFigures> {
  const shoppersPerTick = Math.max(1, Math.round((job.rate * TICK_MS) / 1000 / EVENTS_PER_SHOPPER));
  const headers = { ...job.headers, 'content-type': 'application/json' };
  let events = 0;
  let errors = 0;
  const started = Date.now();
  let next = started;
  while (!stopped()) {
    const batch: Promise<void>[] = [];
    for (let s = 0; s < shoppersPerTick; s++) {
      const customer = pick(job.customers);
      const body = JSON.stringify(
        Array.from({ length: EVENTS_PER_SHOPPER }, () => ({
          customer_id: customer,
          product_id: pick(job.products),
          type: 'view',
          timestamp: new Date(Date.now() + (job.clockOffsetMs ?? 0)).toISOString(),
        })),
      );
      batch.push(
        fetch(`${job.url}/v1/events`, { method: 'POST', headers, body }).then(
          async (r) => {
            await r.arrayBuffer();
            if (r.status === 202) events += EVENTS_PER_SHOPPER;
            else errors++;
          },
          () => {
            errors++;
          },
        ),
      );
    }
    await Promise.all(batch);
    next += TICK_MS;
    await sleep(Math.max(0, next - Date.now()));
  }
  return { events, errors, seconds: (Date.now() - started) / 1000 };
}

if (process.env.BENCH_EVENT_LOAD_CHILD === '1' && process.send) {
  let stop = false;
  process.on('message', (m: { start?: EventLoadJob; stop?: boolean }) => {
    if (m.stop) stop = true;
    if (m.start) void run(m.start, () => stop).then((f) => process.send!(f));
  });
}
