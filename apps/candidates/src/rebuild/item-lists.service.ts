import { Injectable } from '@nestjs/common';
import { BuildOutputRepository } from '@nextbuy/db';
import type { AttributeGraph, ItemGraphs, ItemStats } from '@nextbuy/engine';
import {
  BuildArtifactCache,
  decodeSnapshotItems,
  engineConfigOf,
  FEATURE_CODECS,
  ITEM_LISTS,
  SNAPSHOT_ITEMS,
  StageRunner,
  type FeatureStage,
} from '@nextbuy/rebuild';
import { popularLists, productLists } from './ranked-items';

/** The per-product lists (similar, bought together) and the popular lists of a build. */
@Injectable()
export class ItemListsService {
  constructor(
    private readonly stages: StageRunner,
    private readonly cache: BuildArtifactCache,
    private readonly outputs: BuildOutputRepository,
  ) {}

  async itemLists(buildId: string): Promise<void> {
    const build = await this.stages.inFlight(buildId);
    if (!build) return;
    await this.stages.timed(buildId, ITEM_LISTS, async () => {
      // Runs during the feature phase: only its inputs exist yet (not the ranker, not the rest).
      const config = engineConfigOf(build);
      // Through the process's cache: the rank shards this process runs next read them again.
      const read = this.cache.reader(buildId);
      const get = <T>(stage: FeatureStage) => read(stage, (b) => FEATURE_CODECS[stage].decode(b) as T);
      const [snapshot, itemStats, graphs, attributes] = await Promise.all([
        read(SNAPSHOT_ITEMS, decodeSnapshotItems),
        get<ItemStats>('item-stats'),
        get<ItemGraphs>('item-graphs'),
        get<AttributeGraph>('attribute-graph'),
      ]);
      const artifacts = { itemStats, graphs, attributes };
      const lists = productLists(snapshot, artifacts, config.listLength);
      await this.outputs.writeItemLists(buildId, 'similar', lists.similar);
      await this.outputs.writeItemLists(buildId, 'bought_together', lists.boughtTogether);
      await this.outputs.writeItemLists(
        buildId,
        'popular',
        popularLists(snapshot, artifacts.itemStats, config.listLength),
      );
    });
  }
}
