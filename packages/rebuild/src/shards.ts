/** FNV-1a: a stable 32-bit hash of a customer id, the same in every process and release. */
export function customerHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

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
