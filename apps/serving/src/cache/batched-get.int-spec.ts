import Redis from 'ioredis';
import { TEST_REDIS_URL, uniqueQueuePrefix } from '@nextbuy/testing';
import { BatchedGet } from './batched-get';
import { createCacheConnection } from './redis-connections';

describe('BatchedGet (real Redis)', () => {
  const prefix = uniqueQueuePrefix();
  let redis: Redis;
  let sent: string[][];

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  beforeEach(() => {
    // Every command the connection sends (it still goes to Redis): what the batching put on the wire.
    sent = [];
    const sendCommand = redis.sendCommand.bind(redis);
    jest.spyOn(redis, 'sendCommand').mockImplementation((command, stream) => {
      sent.push([command.name, ...command.args.map(String)]);
      return sendCommand(command, stream);
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it('sends the GETs of one event-loop turn as one MGET and answers each caller with its own value', async () => {
    await redis.set(`${prefix}:a`, 'alpha');
    await redis.set(`${prefix}:b`, Buffer.from([0xff, 0x00, 0x01]));
    sent = [];
    const gets = new BatchedGet(redis);
    const [a, missing, b] = await Promise.all([
      gets.get(`${prefix}:a`),
      gets.get(`${prefix}:missing`),
      gets.get(`${prefix}:b`),
    ]);
    expect(a?.toString()).toBe('alpha');
    expect(missing).toBeNull();
    expect(b).toEqual(Buffer.from([0xff, 0x00, 0x01]));
    expect(sent).toEqual([['mget', `${prefix}:a`, `${prefix}:missing`, `${prefix}:b`]]);
  });

  it('sends a lone GET as a plain GET, and later turns as commands of their own', async () => {
    await redis.set(`${prefix}:c`, 'gamma');
    sent = [];
    const gets = new BatchedGet(redis);
    expect((await gets.get(`${prefix}:c`))?.toString()).toBe('gamma');
    expect((await gets.get(`${prefix}:c`))?.toString()).toBe('gamma');
    expect(sent).toEqual([
      ['get', `${prefix}:c`],
      ['get', `${prefix}:c`],
    ]);
  });

  it('rejects every caller of a batch whose command fails', async () => {
    await redis.del(`${prefix}:list`);
    await redis.rpush(`${prefix}:list`, 'not a string');
    // A lone GET of a list is Redis' WRONGTYPE error.
    await expect(new BatchedGet(redis).get(`${prefix}:list`)).rejects.toThrow(/WRONGTYPE/);
    // The cache's own connection while Redis is away (never connected: commands fail at once) fails
    // the whole batch, and every caller hears it.
    const down = createCacheConnection('redis://127.0.0.1:1', 100);
    const gets = new BatchedGet(down);
    const results = await Promise.allSettled([gets.get(`${prefix}:a`), gets.get(`${prefix}:b`)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    down.disconnect();
  });
});
