import { Injectable } from '@nestjs/common';
import { PermanentJobError } from '@nextbuy/contracts';
import {
  BuildOutputRepository,
  BuildRepository,
  CatalogRepository,
  EventRepository,
  ModelRepository,
  type BuildEntity,
} from '@nextbuy/db';
import { decodeRanker, LIST_DICTIONARY, ListDictionary } from '@nextbuy/engine';
import { JobProducer } from '@nextbuy/queue';
import {
  BuildArtifactCache,
  buildPlan,
  encodeSnapshot,
  encodeSnapshotItems,
  encodeSnapshotShards,
  SNAPSHOT_ITEMS,
  engineConfigOf,
  featureFlowStages,
  featuresFlow,
  RANKER,
  readSnapshot,
  SNAPSHOT,
  StageRunner,
  trainingFlow,
} from '@nextbuy/rebuild';

/**
 * The first stage of a build: what the build may see, read once into typed arrays and stored; then
 * the flow of its plan (feature stages, with or without training, or a training build's stages).
 */
@Injectable()
export class SnapshotService {
  constructor(
    private readonly stages: StageRunner,
    private readonly cache: BuildArtifactCache,
    private readonly builds: BuildRepository,
    private readonly outputs: BuildOutputRepository,
    private readonly events: EventRepository,
    private readonly catalog: CatalogRepository,
    private readonly models: ModelRepository,
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
      if (build.kind === 'training') await this.models.setAsOf(buildId, asOf);
      else if (build.modelId) await this.useModel(build, build.modelId);
      // Every event stored later than this is caught up by refreshes after the publish (ids are
      // taken before the snapshot reads, so none falls between the two).
      const lastEventId = await this.events.newestId();
      const s = await readSnapshot({ events: this.events, catalog: this.catalog }, asOf, !explicit);
      await this.outputs.saveArtifact(buildId, SNAPSHOT, encodeSnapshot(s));
      // What ranking reads: the dictionaries, and each rank shard's customers' histories apart.
      await this.outputs.saveArtifact(buildId, SNAPSHOT_ITEMS, encodeSnapshotItems(s));
      // How the build's stored lists name products: what serving reads them with.
      await this.outputs.saveArtifact(buildId, LIST_DICTIONARY, new ListDictionary(s.products.ids).encode());
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
    const config = engineConfigOf(build);
    const plan = buildPlan(build);
    await this.producer.addFlow(
      plan === 'train'
        ? trainingFlow(buildId, config)
        : featuresFlow(buildId, featureFlowStages(config, plan)),
    );
  }

  /**
   * A rebuild that ranks with a stored model (chosen when it was created) keeps a copy of it as its
   * `ranker` artifact: the rank shards and real-time refreshes read the build's artifacts only, and
   * the model stays with the build however the active model changes later.
   */
  private async useModel(build: BuildEntity, modelId: string): Promise<void> {
    const bytes = await this.models.artifact(modelId);
    try {
      decodeRanker(bytes);
    } catch (e) {
      throw new PermanentJobError(
        `model ${modelId} cannot rank this build (${(e as Error).message}): train a new one (nextbuy train)`,
      );
    }
    await this.outputs.saveArtifact(build.id, RANKER, bytes);
    await this.builds.updateStage(build.id, SNAPSHOT, { detail: `ranks with model ${modelId}` });
  }
}
