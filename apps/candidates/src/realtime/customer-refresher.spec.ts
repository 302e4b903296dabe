import { CustomerRefresher, REFRESH_BATCHES_IN_FLIGHT, type RefreshOutcome } from './customer-refresher';

/**
 * The refresher's batching alone: `refreshMany` (reads, ranking, writes; covered against real
 * Postgres and Redis in test/e2e/realtime.int-spec.ts) is replaced by one whose batches the test
 * finishes by hand.
 */
class ManualBatches extends CustomerRefresher {
  readonly batches: { ids: string[]; finish: () => void; fail: (e: Error) => void }[] = [];

  constructor(maxBatch: number) {
    super({} as never, {} as never, { cacheKeyPrefix: 'test', cacheTtlSeconds: 1, maxBatch });
  }

  override refreshMany(ids: readonly string[]): Promise<Map<string, RefreshOutcome>> {
    return new Promise((resolve, reject) => {
      this.batches.push({
        ids: [...ids],
        finish: () => resolve(new Map(ids.map((id) => [id, { buildId: 'b1', items: 1, liveEvents: 0 }]))),
        fail: reject,
      });
    });
  }
}

const settle = () => new Promise((r) => setImmediate(r));

describe('CustomerRefresher batching', () => {
  it('refreshes at once when idle: a batch of one', async () => {
    const r = new ManualBatches(32);
    const done = r.refresh('c1');
    expect(r.batches.map((b) => b.ids)).toEqual([['c1']]);
    r.batches[0]!.finish();
    await expect(done).resolves.toEqual({ buildId: 'b1', items: 1, liveEvents: 0 });
  });

  it(`runs at most ${REFRESH_BATCHES_IN_FLIGHT} batches; refreshes asked meanwhile go together next`, async () => {
    const r = new ManualBatches(3);
    const asked = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => r.refresh(id));
    // Two batches start at once (one refresh each), the rest wait.
    expect(r.batches.map((b) => b.ids)).toEqual([['a'], ['b']]);
    r.batches[0]!.finish();
    await settle();
    // The waiting refreshes go in batches of at most maxBatch, in the order asked.
    expect(r.batches.map((b) => b.ids)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    r.batches[1]!.finish();
    await settle();
    expect(r.batches.map((b) => b.ids)).toEqual([['a'], ['b'], ['c', 'd', 'e'], ['f', 'g']]);
    r.batches[2]!.finish();
    r.batches[3]!.finish();
    await expect(Promise.all(asked)).resolves.toHaveLength(7);
  });

  it('refreshes a customer asked twice in one batch once, and answers both', async () => {
    const r = new ManualBatches(32);
    void r.refresh('busy');
    void r.refresh('other');
    const twice = [r.refresh('c1'), r.refresh('c2'), r.refresh('c1')];
    r.batches[0]!.finish();
    await settle();
    expect(r.batches[2]!.ids).toEqual(['c1', 'c2']);
    r.batches[2]!.finish();
    const outcomes = await Promise.all(twice);
    expect(outcomes.every((o) => o.buildId === 'b1')).toBe(true);
  });

  it('fails every refresh of a failed batch, and goes on with the next', async () => {
    const r = new ManualBatches(2);
    void r.refresh('x');
    void r.refresh('y');
    const failing = [r.refresh('c1'), r.refresh('c2')];
    const later = r.refresh('c3');
    r.batches[0]!.finish();
    await settle();
    r.batches[2]!.fail(new Error('postgres away'));
    await Promise.all(failing.map((p) => expect(p).rejects.toThrow('postgres away')));
    expect(r.batches[3]!.ids).toEqual(['c3']);
    r.batches[1]!.finish();
    r.batches[3]!.finish();
    await expect(later).resolves.toMatchObject({ buildId: 'b1' });
  });
});
