import type { DataSource } from 'typeorm';
import type { StatusReport } from '@nextbuy/contracts';
import { rowsOf } from './sql';

export class StatsRepository {
  constructor(private readonly db: DataSource) {}

  async counts(): Promise<StatusReport['counts']> {
    const [row] = rowsOf<StatusReport['counts']>(
      await this.db.query(`
        SELECT (SELECT count(*) FROM customers)::int AS customers,
               (SELECT count(*) FROM products)::int AS products,
               (SELECT count(*) FROM events)::bigint::float8 AS events`),
    );
    return row ?? { customers: 0, products: 0, events: 0 };
  }
}
