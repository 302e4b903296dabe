import type { RedisOptions } from 'ioredis';

/** `redis://user:pass@host:port/db` (or `rediss://` for TLS) as ioredis options BullMQ can own. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace('/', '');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: db ? Number(db) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // A connection closed while it is still reconnecting would otherwise linger for 2 s.
    disconnectTimeout: 100,
  };
}
