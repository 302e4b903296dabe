import type Redis from 'ioredis';
import { FallbackRateLimitStore, type RateLimitCount } from './rate-limit.store';

/** A Redis whose rate-limit script answers when the test says so, counting what it was sent. */
function fakeRedis() {
  const calls: { count: number; answer: (total: number) => void; fail: () => void }[] = [];
  let total = 0;
  const redis = {
    status: 'ready',
    defineCommand: () => undefined,
    nextbuyRateLimit: (_key: string, windowMs: number, count: number) =>
      new Promise<[number, number]>((resolve, reject) =>
        calls.push({
          count,
          answer: (others) => resolve([(total += count + others), windowMs]),
          fail: () => reject(new Error('down')),
        }),
      ),
  };
  return { redis: redis as unknown as Redis & { status: string }, calls };
}

const incr = (store: FallbackRateLimitStore, max?: number) =>
  new Promise<RateLimitCount>((resolve) => store.incr('k', (_e, r) => resolve(r), 60_000, max));
const tick = () => new Promise((r) => setImmediate(r));

describe('FallbackRateLimitStore', () => {
  it('without a limit given, waits for Redis when nothing is in flight: light traffic is counted exactly', async () => {
    const { redis, calls } = fakeRedis();
    const store = new FallbackRateLimitStore(redis, 'p:');
    const first = incr(store);
    calls[0]!.answer(5); // five requests of other replicas
    expect((await first).current).toBe(6);
  });

  it('far from the limit, answers at once and tells Redis in the background, in batches', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const { redis, calls } = fakeRedis();
      const store = new FallbackRateLimitStore(redis, 'p:');
      expect((await incr(store, 100)).current).toBe(1); // decided with nothing sent yet
      expect((await incr(store, 100)).current).toBe(2);
      expect(calls).toHaveLength(0);
      jest.advanceTimersByTime(100);
      expect(calls.map((c) => c.count)).toEqual([2]); // both in one sync
      calls[0]!.answer(60); // sixty requests of other replicas: past half the limit now
      await tick();
      const near = incr(store, 100);
      let decided = false;
      void near.then(() => (decided = true));
      await tick();
      expect(decided).toBe(false); // near the limit: waits for the total
      calls[1]!.answer(0);
      expect((await near).current).toBe(63);
    } finally {
      jest.useRealTimers();
    }
  });

  it('far from the limit, sends what arrived during a sync with the next background sync, not at once', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const { redis, calls } = fakeRedis();
      const store = new FallbackRateLimitStore(redis, 'p:');
      await incr(store, 1000);
      jest.advanceTimersByTime(100);
      expect(calls.map((c) => c.count)).toEqual([1]);
      await Promise.all([incr(store, 1000), incr(store, 1000)]); // during the sync
      calls[0]!.answer(0);
      await tick();
      expect(calls).toHaveLength(1); // not one Redis call per round trip under steady traffic
      jest.advanceTimersByTime(100);
      expect(calls.map((c) => c.count)).toEqual([1, 2]);
      calls[1]!.answer(0);
      await tick();
      expect((await incr(store, 1000)).current).toBe(4);
    } finally {
      jest.useRealTimers();
    }
  });

  it('decides requests arriving during a sync at once and sends them together in the next one', async () => {
    const { redis, calls } = fakeRedis();
    const store = new FallbackRateLimitStore(redis, 'p:');
    const first = incr(store);
    const during = await Promise.all([incr(store), incr(store), incr(store)]);
    expect(during.map((c) => c.current)).toEqual([2, 3, 4]);
    expect(calls).toHaveLength(1);
    calls[0]!.answer(10);
    expect((await first).current).toBe(14); // 11 in Redis + 3 counted here, not sent yet
    await tick();
    expect(calls.map((c) => c.count)).toEqual([1, 3]);
    calls[1]!.answer(0);
    await tick();
    const last = incr(store);
    expect(calls).toHaveLength(3);
    calls[2]!.answer(0);
    expect((await last).current).toBe(15);
  });

  it('counts locally while Redis fails, and sends what it counted once Redis answers', async () => {
    const { redis, calls } = fakeRedis();
    const store = new FallbackRateLimitStore(redis, 'p:');
    const first = incr(store);
    calls[0]!.fail();
    expect((await first).current).toBe(1);
    redis.status = 'end';
    expect((await incr(store)).current).toBe(2);
    redis.status = 'ready';
    const next = incr(store);
    expect(calls[1]!.count).toBe(3);
    calls[1]!.answer(0);
    expect((await next).current).toBe(3);
  });
});
