import Redis, { type Cluster } from 'ioredis';
import {
  startRedisCluster,
  TEST_REDIS_URL,
  type TestRedisCluster,
  uniqueQueuePrefix,
} from '@nextbuy/testing';
import { customerListCacheKey } from '@nextbuy/server';
import { BatchedGet } from './batched-get';
import { keySlot } from './key-slot';
import { createCacheConnection, createClusterCacheConnection } from './redis-connections';

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

describe('BatchedGet on a Redis Cluster (real, three masters started here)', () => {
  const prefix = uniqueQueuePrefix();
  let cluster: TestRedisCluster;
  let redis: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    redis = createClusterCacheConnection(cluster.nodes, 1000);
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', resolve).once('error', reject);
      void redis.connect().catch(reject);
    });
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });

  it('computes the hash slot Redis does', async () => {
    const node = new Redis(`redis://${cluster.nodes[0]}`);
    try {
      for (const key of [
        '',
        'a',
        'nextbuy:cache:rec:12:C-17850',
        '{user1000}.following',
        'foo{}{bar}',
        'é€😀',
      ])
        expect(keySlot(key)).toBe(await node.cluster('KEYSLOT', key));
    } finally {
      node.disconnect();
    }
  });

  it('answers the reads of one turn across slots and nodes, each caller with its own value', async () => {
    const keys = Array.from({ length: 200 }, (_, i) =>
      customerListCacheKey(`${prefix}:cache`, '7', `C-${i}`),
    );
    expect(new Set(keys.map(keySlot)).size).toBeGreaterThan(100);
    for (let i = 0; i < keys.length; i += 2) await redis.set(keys[i]!, `list ${i}`);
    // Two keys of one slot (a hash tag) share an MGET.
    await redis.set(`{${prefix}}:x`, 'x');
    await redis.set(`{${prefix}}:y`, 'y');
    const gets = new BatchedGet(redis);
    const got = await Promise.all([...keys, `{${prefix}}:x`, `{${prefix}}:y`].map((k) => gets.get(k)));
    expect(got.slice(0, keys.length).map((v) => v?.toString() ?? null)).toEqual(
      keys.map((_, i) => (i % 2 === 0 ? `list ${i}` : null)),
    );
    expect(got.slice(keys.length).map(String)).toEqual(['x', 'y']);
    // The single-key path too.
    expect((await gets.get(keys[0]!))?.toString()).toBe('list 0');
  });
});
