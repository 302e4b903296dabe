import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type Redis from 'ioredis';
import { JobName } from '@nextbuy/contracts';
import { createProducerConnection } from './connections';
import { JobProducer } from './producer';

/** Rejects when `promise` has not settled within `ms`: a hang fails the test instead of timing it out. */
async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Redis that never becomes ready: it resets the first connection (so the client has seen an
 * error) and holds every later one open without answering, so the client sits in `connect`.
 */
async function startSilentRedis(): Promise<{ url: string; held: () => Promise<void>; close(): void }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    if (sockets.length === 1) socket.resetAndDestroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    held: async () => {
      while (sockets.length < 2) await once(server, 'connection');
    },
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}

describe('JobProducer while Redis is away', () => {
  let connection: Redis | undefined;

  afterEach(() => connection?.disconnect());

  it('fails an add once it has waited its time, instead of waiting for Redis forever', async () => {
    // Port 1: nothing listens there, so the connection is refused and never ready.
    connection = createProducerConnection('redis://127.0.0.1:1');
    const producer = new JobProducer(connection, 'nbtest-producer', 200);
    const add = producer.add(JobName.Snapshot, { buildId: '1' }, { jobId: 'snapshot-1' });
    await expect(settlesWithin(add, 2000)).rejects.toThrow('Redis not ready after 200 ms');
    await producer.close();
  });

  // BullMQ 5 emits a connection's failed start-up on its closed RedisConnection, which has no
  // `error` listener left: an uncaught error after close (taskforcesh/bullmq#3546). This test then
  // fails with that error (`read ECONNRESET`), raised by the disconnect below.
  it('closes without leaving an error behind when Redis never became ready', async () => {
    const redis = await startSilentRedis();
    try {
      connection = createProducerConnection(redis.url);
      const producer = new JobProducer(connection, 'nbtest-producer');
      await redis.held();
      await producer.close();
      connection.disconnect();
      if (connection.status !== 'end') await once(connection, 'end');
      await new Promise((r) => setImmediate(r));
    } finally {
      redis.close();
    }
  });
});
