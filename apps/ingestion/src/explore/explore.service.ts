import { HttpStatus, Injectable } from '@nestjs/common';
import {
  QueueName,
  type CustomerEventsResponse,
  type CustomerView,
  type ProductView,
  type SimilarCustomersResponse,
  type StatusView,
  unstorableText,
} from '@nextbuy/contracts';
import { BuildRepository, ExploreRepository, toBuildView } from '@nextbuy/db';
import { JobProducer } from '@nextbuy/queue';
import { ApiError } from '@nextbuy/server';
import { QUEUE_DEPTHS_TIMEOUT_MS, QUEUE_STATES } from './explore.limits';

@Injectable()
export class ExploreService {
  constructor(
    private readonly explore: ExploreRepository,
    private readonly builds: BuildRepository,
    private readonly producer: JobProducer,
  ) {}

  async status(): Promise<StatusView> {
    const [{ counts, estimated }, active, inFlight, queues] = await Promise.all([
      this.explore.counts(),
      this.builds.active(),
      this.builds.inFlight(),
      this.queueDepths(),
    ]);
    return {
      counts,
      estimated_counts: estimated,
      active_build: active ? toBuildView(active) : null,
      builds_in_flight: inFlight.map(toBuildView),
      queues,
      generated_at: new Date().toISOString(),
    };
  }

  async customer(id: string): Promise<CustomerView> {
    storableId('customer_id', id);
    const customer = await this.explore.customer(id);
    if (!customer) throw notFound('customer', id);
    return customer;
  }

  async customerEvents(id: string, limit: number): Promise<CustomerEventsResponse> {
    await this.customer(id);
    return { customer_id: id, events: await this.explore.customerEvents(id, limit) };
  }

  async similarCustomers(id: string, limit: number): Promise<SimilarCustomersResponse> {
    await this.customer(id);
    return { customer_id: id, customers: await this.explore.similarCustomers(id, limit) };
  }

  async product(id: string, days: number): Promise<ProductView> {
    storableId('product_id', id);
    const product = await this.explore.product(id, days);
    if (!product) throw notFound('product', id);
    return product;
  }

  /** Null rather than an error when Redis is slow or away: the rest of the status still helps. */
  private async queueDepths(): Promise<StatusView['queues']> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), QUEUE_DEPTHS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.depths().catch(() => null), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every queue of the prefix (the real-time one too), by state. */
  private async depths(): Promise<Record<string, Record<string, number>>> {
    const names = Object.values(QueueName);
    const counts = await Promise.all(
      names.map((name) => this.producer.queue(name).getJobCounts(...QUEUE_STATES)),
    );
    return Object.fromEntries(names.map((name, i) => [name, counts[i]!]));
  }
}

const notFound = (what: string, id: string) =>
  new ApiError(HttpStatus.NOT_FOUND, `${what} ${JSON.stringify(id)} does not exist`);

/** An id no record can have (NUL, a lone surrogate) is a client mistake, not a lookup for Postgres. */
function storableId(what: string, id: string): void {
  const why = unstorableText(id);
  if (why !== undefined) throw new ApiError(HttpStatus.BAD_REQUEST, `${what} ${why}`);
}
