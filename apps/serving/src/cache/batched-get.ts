import { keySlot } from './key-slot';
import { Cluster, type Redis } from 'ioredis';

interface Waiter {
  resolve: (value: Buffer | null) => void;
  reject: (error: unknown) => void;
}

/**
 * The GETs asked for in one event-loop turn, sent as one command: one `GET` when a turn asks for a
 * single key (the usual case at moderate traffic), one `MGET` when it asks for several (under load),
 * so concurrent requests share a socket write and a reply read. This is what ioredis's
 * `enableAutoPipelining` did for the cache, without its cost: auto-pipelining builds a `Pipeline`
 * object per turn, and that garbage outlived young-generation collections; promoted at ~1 MB per
 * scavenge at 1,000 requests/s, it made every scavenge a 3–6 ms pause, which was serving's p99
 * (BENCHMARKS.md, serving load).
 *
 * On a Redis Cluster an MGET must stay within one hash slot, so the turn's keys are grouped by slot
 * and each group leaves as its own GET or MGET, which the cluster client sends to the slot's node.
 * Hash tags in the keys would avoid the grouping only by putting every key in one slot, on one
 * node: no cluster at all.
 */
export class BatchedGet {
  private keys: string[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;

  private readonly cluster: boolean;

  constructor(private readonly redis: Redis | Cluster) {
    this.cluster = redis instanceof Cluster;
  }

  /** The value of `key` as bytes (`null`: no such key); rejects as the command does. */
  get(key: string): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      this.keys.push(key);
      this.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  private send(): void {
    const { keys, waiters } = this;
    this.keys = [];
    this.waiters = [];
    this.scheduled = false;
    if (this.cluster && keys.length > 1) return this.sendBySlot(keys, waiters);
    this.sendOne(keys, waiters);
  }

  private sendOne(keys: string[], waiters: Waiter[]): void {
    const values: Promise<(Buffer | null)[]> =
      keys.length === 1
        ? this.redis.getBuffer(keys[0]!).then((value) => [value])
        : this.redis.mgetBuffer(keys);
    values.then(
      (got) => {
        for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(got[i] ?? null);
      },
      (e: unknown) => {
        for (const waiter of waiters) waiter.reject(e);
      },
    );
  }

  /** Keys in one group per hash slot (a Cluster); groups of one key stay a plain GET. */
  private sendBySlot(keys: string[], waiters: Waiter[]): void {
    const groups = new Map<number, { keys: string[]; waiters: Waiter[] }>();
    for (let i = 0; i < keys.length; i++) {
      const slot = keySlot(keys[i]!);
      let group = groups.get(slot);
      if (!group) groups.set(slot, (group = { keys: [], waiters: [] }));
      group.keys.push(keys[i]!);
      group.waiters.push(waiters[i]!);
    }
    for (const group of groups.values()) this.sendOne(group.keys, group.waiters);
  }
}
