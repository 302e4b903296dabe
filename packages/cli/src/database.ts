import { createDataSource } from '@nextbuy/db';
import type { DataSource } from 'typeorm';

/** Connections the CLI needs at most: two import lanes and one for bookkeeping. */
const CLI_POOL_SIZE = 3;

/** Opens the database, runs `work`, and always closes every connection so the process can exit. */
export async function withDatabase<T>(url: string, work: (db: DataSource) => Promise<T>): Promise<T> {
  const db = createDataSource({ url, poolSize: CLI_POOL_SIZE, applicationName: 'nextbuy-cli' });
  await db.initialize();
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}
