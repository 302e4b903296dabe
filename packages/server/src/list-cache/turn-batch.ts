interface Waiter<V> {
  resolve: (value: V) => void;
  reject: (error: unknown) => void;
}

/**
 * Reads asked for in one event-loop turn, sent together: `send` gets every key of the turn (in the
 * order asked, repeats included) and answers their values in the same order. Concurrent requests
 * then share one round trip (one socket write, one reply, one statement for the server to run)
 * instead of one each: serving's Redis GETs (`BatchedGet`) and its Postgres reads of stored lists on
 * a cold cache, where a statement per request cost more than everything else the request did.
 */
export class TurnBatch<K, V> {
  private keys: K[] = [];
  private waiters: Waiter<V>[] = [];
  private scheduled = false;

  constructor(private readonly send: (keys: K[]) => Promise<V[]>) {}

  /** The value of `key`; rejects as the turn's `send` does. */
  get(key: K): Promise<V> {
    return new Promise((resolve, reject) => {
      this.keys.push(key);
      this.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const { keys, waiters } = this;
    this.keys = [];
    this.waiters = [];
    this.scheduled = false;
    // `send` may throw before it returns a promise: that fails the turn's reads as a rejection does.
    new Promise<V[]>((resolve) => resolve(this.send(keys))).then(
      (values) => {
        for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(values[i]!);
      },
      (e: unknown) => {
        for (const waiter of waiters) waiter.reject(e);
      },
    );
  }
}

/**
 * Sends `keys` in groups (one build's rows, one Redis Cluster slot's keys), each group's keys by
 * `send`, and answers every key's value in the order of `keys`.
 */
export async function sendGrouped<K, G, V>(
  keys: readonly K[],
  groupOf: (key: K) => G,
  send: (group: G, keys: K[]) => Promise<V[]>,
): Promise<V[]> {
  const groups = new Map<G, number[]>();
  keys.forEach((key, i) => {
    const group = groupOf(key);
    const indexes = groups.get(group);
    if (indexes) indexes.push(i);
    else groups.set(group, [i]);
  });
  const values = new Array<V>(keys.length);
  await Promise.all(
    [...groups].map(async ([group, indexes]) => {
      const got = await send(
        group,
        indexes.map((i) => keys[i]!),
      );
      indexes.forEach((i, k) => (values[i] = got[k]!));
    }),
  );
  return values;
}
