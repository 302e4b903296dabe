import Redis from 'ioredis';
import { TEST_REDIS_URL, uniqueQueuePrefix } from '@nextbuy/testing';
import { FollowedState } from './followed-state';

/** A read the test finishes by hand. */
function controlledReads() {
  const pending: Array<{ resolve: (n: number) => void; reject: (e: Error) => void }> = [];
  let count = 0;
  const read = () =>
    new Promise<number>((resolve, reject) => {
      count += 1;
      pending.push({ resolve, reject });
    });
  return { read, pending, reads: () => count };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FollowedState (real Redis)', () => {
  const channel = `${uniqueQueuePrefix()}:changed`;
  let publisher: Redis;
  let state: FollowedState<number> | undefined;

  beforeAll(() => {
    publisher = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 0 });
  });
  afterEach(() => state?.stop());
  afterAll(() => publisher.quit());

  it('shares one follow-up read between the callers that came while a read ran', async () => {
    const { read, pending, reads } = controlledReads();
    state = new FollowedState({
      redisUrl: TEST_REDIS_URL,
      channel,
      pollIntervalMs: 60_000,
      read,
      onError: () => undefined,
    });
    const first = state.refresh();
    const [a, b, c] = [state.refresh(), state.refresh(), state.refresh()];
    expect(reads()).toBe(1);
    pending[0]!.resolve(1);
    await expect(first).resolves.toBe(1);
    await until(() => reads() === 2);
    pending[1]!.resolve(2);
    await expect(Promise.all([a, b, c])).resolves.toEqual([2, 2, 2]);
    expect(reads()).toBe(2);
  });

  it('reads again when the channel announces a change, and reports a failed background read', async () => {
    const { read, pending, reads } = controlledReads();
    const errors: unknown[] = [];
    state = new FollowedState({
      redisUrl: TEST_REDIS_URL,
      channel,
      pollIntervalMs: 60_000,
      read,
      onError: (e) => errors.push(e),
    });
    const started = state.start();
    pending[0]!.resolve(1);
    await expect(started).resolves.toBe(1);
    // The subscriber's `ready` may itself prompt a read: settle those before counting.
    await new Promise((r) => setTimeout(r, 200));
    for (const p of pending.slice(1)) p.resolve(1);
    const before = reads();
    // Publish until the subscriber hears it (its SUBSCRIBE may still be on the way).
    while ((await publisher.publish(channel, 'x')) === 0) await new Promise((r) => setTimeout(r, 20));
    await until(() => reads() > before);
    pending[pending.length - 1]!.reject(new Error('database away'));
    await until(() => errors.length === 1);
    expect((errors[0] as Error).message).toBe('database away');
  });

  it('polls when nothing is announced', async () => {
    const { read, pending, reads } = controlledReads();
    state = new FollowedState({
      redisUrl: TEST_REDIS_URL,
      channel,
      pollIntervalMs: 50,
      read,
      onError: () => undefined,
    });
    const started = state.start();
    pending[0]!.resolve(1);
    await started;
    await until(() => {
      for (const p of pending) p.resolve(1);
      return reads() >= 4;
    });
  });
});
