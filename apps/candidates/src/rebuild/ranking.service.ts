import { Injectable } from '@nestjs/common';
import {
  BuildOutputRepository,
  BuildRepository,
  type BuildEntity,
  type CustomerListToWrite,
} from '@nextbuy/db';
import { encodeList, rankEach, taskAudience } from '@nextbuy/engine';
import { JobProducer } from '@nextbuy/queue';
import {
  artifactReader,
  BuildArtifactCache,
  customersOfShard,
  loadBuildArtifacts,
  RANK,
  rankingFlow,
  rankShardStage,
  StageRunner,
  withShardHistories,
  type DecodedBuild,
} from '@nextbuy/rebuild';
import { segmentOf, snapshotDictionary, snapshotNames, toStoredItems } from './ranked-items';

/** Customers' lists are written in chunks: bounded statement size whatever the shard size. */
const WRITE_CHUNK = 500;

/** The ranking phase: shards planned once the features are done, then each shard's customers ranked. */
@Injectable()
export class RankingService {
  constructor(
    private readonly stages: StageRunner,
    private readonly cache: BuildArtifactCache,
    private readonly builds: BuildRepository,
    private readonly outputs: BuildOutputRepository,
    private readonly producer: JobProducer,
  ) {}

  async planRanking(buildId: string): Promise<void> {
    const build = await this.stages.inFlight(buildId);
    if (!build) return;
    const shards = Number(build.config.shards ?? 1);
    await this.builds.updateStage(buildId, RANK, {
      status: 'running',
      progress: 0,
      started_at: new Date().toISOString(),
    });
    await this.producer.addFlow(rankingFlow(buildId, shards));
  }

  async rankShard(buildId: string, shard: number, shards: number): Promise<void> {
    const build = await this.stages.inFlight(buildId);
    if (!build) return;
    await this.stages.timed(buildId, rankShardStage(shard), async () => {
      // The shared part (cached per process), plus only this shard's customers' histories.
      const { snapshot, artifacts, model, config } = await withShardHistories(
        artifactReader(this.outputs, buildId),
        await this.decode(build),
        shard,
        shards,
      );
      // The task's entity filter decides who gets a list; serving answers the others like unknown customers.
      const audience = taskAudience(snapshot, config.task.audience);
      const ofShard = customersOfShard(snapshot.customers.ids, shard, shards);
      const customers = audience ? ofShard.filter((c) => audience(c)) : ofShard;
      const names = snapshotNames(snapshot);
      const dictionary = snapshotDictionary(snapshot);
      for (let i = 0; i < customers.length; i += WRITE_CHUNK) {
        const chunk = customers.subarray(i, i + WRITE_CHUNK);
        // Each list packed as soon as it is ranked: its objects die young (see rankEach).
        const lists: CustomerListToWrite[] = [];
        for (const r of rankEach(snapshot, artifacts, model, chunk, config)) {
          const list = { items: toStoredItems(r.items, snapshot), segment: segmentOf(snapshot, r.customer) };
          lists.push({ customer_id: r.customerId, items: encodeList(list, names, dictionary) });
        }
        await this.outputs.writeRecommendations(buildId, lists);
        // Yield between chunks: the worker must renew its job lock while a large shard runs.
        await new Promise((r) => setImmediate(r));
      }
      await this.builds.addCounts(buildId, { [`customers_shard_${shard}`]: customers.length });
    });
  }

  /** What the rank shards need, decoded once per build and process. */
  private decode(build: BuildEntity): Promise<DecodedBuild> {
    return this.cache.get(build.id, 'decoded', () =>
      loadBuildArtifacts(this.outputs, build, this.cache.reader(build.id)),
    );
  }
}
