import { customerHash } from '@nextbuy/engine';

/** The shard (customer hash range) a customer belongs to. */
export function shardOf(id: string, shards: number): number {
  return customerHash(id) % shards;
}

/** Indices of the snapshot's customers that fall in `shard`. */
export function customersOfShard(ids: readonly string[], shard: number, shards: number): Int32Array {
  const out: number[] = [];
  for (let c = 0; c < ids.length; c++) if (shardOf(ids[c]!, shards) === shard) out.push(c);
  return Int32Array.from(out);
}
