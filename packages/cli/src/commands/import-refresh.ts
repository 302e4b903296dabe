import type { Env } from '@nextbuy/config';
import { EventRepository } from '@nextbuy/db';
import { enqueueCustomerRefreshes, JobProducer } from '@nextbuy/queue';
import { withDatabase } from '../database';
import type { Output } from '../output';
import { closeRedis, tryConnectRedis } from '../redis';

/** The database's clock: `received_at` of the events an import stores is set by it. */
export async function databaseNow(url: string): Promise<Date> {
  return withDatabase(url, (db) => new EventRepository(db).databaseNow());
}

/**
 * After an events import, refreshes the lists of the customers it touched, in real time, when they
 * are few (REALTIME_IMPORT_MAX_CUSTOMERS); a larger import is a rebuild's job, and the command says so.
 * Redis out of reach costs only freshness: the next rebuild covers the import.
 */
export async function refreshImportedCustomers(env: Env, since: Date, output: Output): Promise<void> {
  const max = env.REALTIME_IMPORT_MAX_CUSTOMERS;
  const customers = await withDatabase(env.DATABASE_URL, (db) =>
    new EventRepository(db).customersReceivedSince(since, max + 1),
  );
  if (customers.length === 0) return;
  if (customers.length > max) {
    output.out(
      `more than ${max} customers have new events: run \`nextbuy rebuild\` to refresh their lists (REALTIME_IMPORT_MAX_CUSTOMERS)`,
    );
    return;
  }
  const redis = await tryConnectRedis(env.REDIS_URL);
  if (!redis) {
    output.out('Redis is out of reach: the new events reach recommendations with the next rebuild');
    return;
  }
  const producer = new JobProducer(redis, env.QUEUE_PREFIX);
  try {
    const n = await enqueueCustomerRefreshes(producer, customers, env.REALTIME_DEBOUNCE_MS);
    output.out(`real-time refresh queued for ${n} customer${n === 1 ? '' : 's'}`);
  } finally {
    await producer.close();
    await closeRedis(redis);
  }
}
