import { Inject, Injectable } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { BUILD_PUBLISHED_CHANNEL } from '@nextbuy/contracts';
import { BuildOutputRepository, BuildRepository, EventRepository, type BuildEntity } from '@nextbuy/db';
import { enqueueCustomerRefreshes, JobProducer } from '@nextbuy/queue';
import { BuildArtifactCache, RANK, StageRunner } from '@nextbuy/rebuild';
import { InjectEnv, PRODUCER_REDIS } from '@nextbuy/server';
import type Redis from 'ioredis';

/** The last stage: flips the active build, tells the serving apps, and collects old builds. */
@Injectable()
export class PublishService {
  constructor(
    private readonly stages: StageRunner,
    private readonly cache: BuildArtifactCache,
    private readonly builds: BuildRepository,
    private readonly outputs: BuildOutputRepository,
    private readonly events: EventRepository,
    private readonly producer: JobProducer,
    /** Announces a publish to the serving apps (Redis pub/sub). */
    @Inject(PRODUCER_REDIS) private readonly notifier: Pick<Redis, 'publish'>,
    @InjectEnv() private readonly env: Env,
  ) {}

  async publish(buildId: string): Promise<void> {
    const build = await this.stages.inFlight(buildId);
    if (!build) return;
    const lists = await this.outputs.countRecommendations(buildId);
    await this.builds.addCounts(buildId, { recommendations: lists });
    await this.builds.updateStage(buildId, RANK, {
      status: 'done',
      progress: 1,
      finished_at: new Date().toISOString(),
    });
    await this.builds.publish(buildId);
    await this.notifier.publish(BUILD_PUBLISHED_CHANNEL, buildId);
    this.cache.clear();
    await this.catchUp(build);
    // Published builds kept for rollback: older ones are deleted.
    await this.builds.collectGarbage(this.env.BUILDS_KEEP);
  }

  /**
   * Customers whose events arrived after the snapshot read the events table: the new build does not
   * know those events, and their real-time refreshes went into the previous build, so they are
   * refreshed again against the new one — unless more than REALTIME_IMPORT_MAX_CUSTOMERS (the same
   * bound as an import's), where the next rebuild is the better tool. A queue outage costs
   * freshness only, never the publish.
   */
  private async catchUp(build: BuildEntity): Promise<void> {
    const after = Number(build.counts.last_event_id ?? NaN);
    if (!Number.isFinite(after)) return;
    const max = this.env.REALTIME_IMPORT_MAX_CUSTOMERS;
    const customers = await this.events.customersWithEventsAfter(after, max + 1);
    if (customers.length === 0 || customers.length > max) return;
    await enqueueCustomerRefreshes(this.producer, customers, 0).catch(() => undefined);
  }
}
