import { keySlot } from './key-slot';
import { Cluster, type Redis } from 'ioredis';
import { sendGrouped, TurnBatch } from '@nextbuy/server';

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
  private readonly batch: TurnBatch<string, Buffer | null>;

  constructor(private readonly redis: Redis | Cluster) {
    const cluster = redis instanceof Cluster;
    this.batch = new TurnBatch((keys) =>
      cluster && keys.length > 1 ? this.sendBySlot(keys) : this.sendOne(keys),
    );
  }

  /** The value of `key` as bytes (`null`: no such key); rejects as the command does. */
  get(key: string): Promise<Buffer | null> {
    return this.batch.get(key);
  }

  private sendOne(keys: string[]): Promise<(Buffer | null)[]> {
    return keys.length === 1
      ? this.redis.getBuffer(keys[0]!).then((value) => [value])
      : this.redis.mgetBuffer(keys);
  }

  /** Keys in one group per hash slot (a Cluster); groups of one key stay a plain GET. */
  private sendBySlot(keys: string[]): Promise<(Buffer | null)[]> {
    return sendGrouped(keys, keySlot, async (_slot, group) =>
      (await this.sendOne(group)).map((value) => value ?? null),
    );
  }
}
