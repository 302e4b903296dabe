import type { RankedItem } from '@nextbuy/contracts';
import { BuildOutputRepository, BuildRepository } from '@nextbuy/db';
import type { DataSource } from 'typeorm';

const AS_OF = new Date('2011-12-01T00:00:00Z');

/** A build taken through the same transitions the stages use: queued → running → published. */
export async function publishedBuild(
  db: DataSource,
  lists: { customer_id: string; items: RankedItem[] }[] = [],
): Promise<string> {
  const builds = new BuildRepository(db);
  const build = await builds.create({ asOf: null, trigger: 'test', config: { shards: 1 } });
  await builds.markRunning(build.id, AS_OF);
  await builds.updateStage(build.id, 'snapshot', { status: 'done', progress: 1, seconds: 0.5 });
  await builds.addCounts(build.id, { customers: lists.length });
  await new BuildOutputRepository(db).writeRecommendations(build.id, lists);
  await builds.publish(build.id);
  return build.id;
}

export async function failedBuild(db: DataSource, error = 'ranker: simulated'): Promise<string> {
  const builds = new BuildRepository(db);
  const build = await builds.create({ asOf: AS_OF, trigger: 'test', config: {} });
  await builds.fail(build.id, error);
  return build.id;
}

/** `n` items ranked 1..n for one customer. */
export function rankedItems(customer: string, n: number): RankedItem[] {
  return Array.from({ length: n }, (_, i) => ({
    product_id: `${customer}-p${i}`,
    name: `Product ${i}`,
    category: 'mugs',
    score: 1 - i / (n + 1),
    rank: i + 1,
    strategy: i % 2 ? 'collaborative' : 'repurchase',
    reasons: [{ feature: 'repurchase_frequency', value: 3, attribution: 1, text: 'bought this 3 times' }],
  }));
}
