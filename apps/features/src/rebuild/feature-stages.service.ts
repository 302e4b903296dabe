import { Injectable } from '@nestjs/common';
import { PermanentJobError } from '@nextbuy/contracts';
import { BuildOutputRepository, type BuildEntity } from '@nextbuy/db';
import {
  buildAttributeGraph,
  buildItemGraphs,
  buildTrainingWindow,
  decodeTrainingSet,
  encodeRanker,
  encodeTrainingSet,
  mergeTrainingSets,
  sliceSnapshot,
  trainingCut,
  trainRankerModel,
  type AttributeGraph,
  type EngineConfig,
  type FeatureArtifacts,
  type Snapshot,
} from '@nextbuy/engine';
import {
  BuildArtifactCache,
  decodeSnapshot,
  engineConfigOf,
  FEATURE_CODECS,
  featureStageNames,
  RANKER,
  rankerWindowOf,
  rankerWindowStage,
  SNAPSHOT,
  StageRunner,
  type FeatureStage,
} from '@nextbuy/rebuild';

/**
 * The feature phase, one stage per job: a feature artifact at as-of, one training window of the
 * ranker, or the ranker's fit over the stored windows.
 */
@Injectable()
export class FeatureStagesService {
  constructor(
    private readonly stages: StageRunner,
    private readonly cache: BuildArtifactCache,
    private readonly outputs: BuildOutputRepository,
  ) {}

  async feature(buildId: string, stage: string): Promise<void> {
    const build = await this.stages.inFlight(buildId);
    if (!build) return;
    const config = engineConfigOf(build);
    if (!featureStageNames(config).includes(stage))
      throw new PermanentJobError(`unknown feature stage "${stage}"`);
    await this.stages.timed(buildId, stage, async () => {
      await this.outputs.saveArtifact(buildId, stage, await this.run(build, stage));
    });
  }

  private async run(build: BuildEntity, stage: string): Promise<Uint8Array> {
    const config = engineConfigOf(build);
    if (stage === RANKER) {
      const windows = await Promise.all(
        Array.from({ length: config.ranker.trainingWindows }, (_, i) =>
          this.outputs.loadArtifact(build.id, rankerWindowStage(i + 1)).then(decodeTrainingSet),
        ),
      );
      return encodeRanker(trainRankerModel(mergeTrainingSets(windows), config.ranker));
    }
    const s = await this.cache.reader(build.id)(SNAPSHOT, decodeSnapshot);
    const window = rankerWindowOf(stage);
    if (window !== null) {
      const reuse: Partial<FeatureArtifacts> = { attributes: await this.attributesOf(build.id, s, config) };
      if (config.ranker.sharedTrainingGraphs) {
        // One set of item graphs for every window, as of the oldest cut (as `trainRanker` does).
        const oldest = trainingCut(s, config, config.ranker.trainingWindows);
        reuse.graphs = await this.cache.get(build.id, 'training-graphs', () =>
          Promise.resolve(buildItemGraphs(sliceSnapshot(s, oldest), config)),
        );
      }
      return encodeTrainingSet(buildTrainingWindow(s, config, window, reuse));
    }
    const codec = FEATURE_CODECS[stage as FeatureStage];
    const artifact =
      codec.key === 'attributes' ? await this.attributesOf(build.id, s, config) : codec.build(s, config);
    return codec.encode(artifact);
  }

  /** The attribute graph (catalogue only, the same for every training window): built once per process. */
  private attributesOf(buildId: string, s: Snapshot, config: EngineConfig): Promise<AttributeGraph> {
    return this.cache.get(buildId, 'attributes', () => Promise.resolve(buildAttributeGraph(s, config)));
  }
}
