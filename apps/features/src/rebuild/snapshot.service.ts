import { Injectable } from '@nestjs/common';
import { PermanentJobError } from '@nextbuy/contracts';
import { BuildOutputRepository, BuildRepository, CatalogRepository, EventRepository } from '@nextbuy/db';
import { JobProducer } from '@nextbuy/queue';
import {
  BuildArtifactCache,
  encodeSnapshot,
  encodeSnapshotItems,
  encodeSnapshotShards,
  SNAPSHOT_ITEMS,
  engineConfigOf,
  featureFlowStages,
  featuresFlow,
  readSnapshot,
  SNAPSHOT,
  StageRunner,
} from '@nextbuy/rebuild';

/** The first stage of a rebuild: what the build may see, read once into typed arrays and stored. */
@Injectable()
export class SnapshotService {
  constructor(
    private readonly stages: StageRunner,
    private readonly cache: BuildArtifactCache,
    private readonly builds: BuildRepository,
    private readonly outputs: BuildOutputRepository,
    private readonly events: EventRepository,
    private readonly catalog: CatalogRepository,
    private readonly producer: JobProducer,
  ) {}

  async snapshot(buildId: string): Promise<void> {
    const build = await this.stages.inFlight(buildId);
    if (!build) return;
    await this.stages.timed(buildId, SNAPSHOT, async () => {
      const explicit = build.asOf;
      const asOf = explicit ?? (await this.events.newestTime());
      if (!asOf) throw new PermanentJobError('there are no events to build from: import some first');
      if (!(await this.builds.markRunning(buildId, asOf))) return;
      // Every event stored later than this is caught up by refreshes after the publish (ids are
      // taken before the snapshot reads, so none falls between the two).
      const lastEventId = await this.events.newestId();
      const s = await readSnapshot({ events: this.events, catalog: this.catalog }, asOf, !explicit);
      await this.outputs.saveArtifact(buildId, SNAPSHOT, encodeSnapshot(s));
      // What ranking reads: the dictionaries, and each rank shard's customers' histories apart.
      await this.outputs.saveArtifact(buildId, SNAPSHOT_ITEMS, encodeSnapshotItems(s));
      for (const [name, bytes] of encodeSnapshotShards(s, Number(build.config.shards ?? 1)))
        await this.outputs.saveArtifact(buildId, name, bytes);
      // This process will likely run a feature stage next: it need not decode what it just built.
      void this.cache.get(buildId, SNAPSHOT, () => Promise.resolve(s));
      await this.builds.addCounts(buildId, {
        last_event_id: lastEventId,
        events: s.events.ts.length,
        customers: s.customers.ids.length,
        products: s.products.ids.length,
      });
    });
    await this.producer.addFlow(featuresFlow(buildId, featureFlowStages(engineConfigOf(build))));
  }
}
