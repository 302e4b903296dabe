import { Injectable, Logger } from '@nestjs/common';
import { PermanentJobError, type ModelStatus } from '@nextbuy/contracts';
import { BuildOutputRepository, BuildRepository, ModelRepository, type BuildEntity } from '@nextbuy/db';
import {
  attributeGraphInputs,
  buildAttributeGraph,
  buildItemGraphs,
  buildTrainingWindowWithHoldout,
  decodeHoldout,
  decodeRanker,
  decodeTrainingSet,
  encodeAttributeGraph,
  encodeHoldout,
  encodeRanker,
  encodeTrainingSet,
  mergeTrainingSets,
  sliceSnapshot,
  trainingCut,
  trainRankerModel,
  type AttributeGraph,
  type EngineConfig,
  type FeatureArtifacts,
  type RankerModel,
  type Snapshot,
} from '@nextbuy/engine';
import {
  BuildArtifactCache,
  buildPlan,
  decodeSnapshot,
  engineConfigOf,
  FEATURE_CODECS,
  featureNames,
  featureStageNames,
  GATE,
  judgeModel,
  RANKER,
  RANKER_HOLDOUT,
  rankerWindowOf,
  rankerWindowStage,
  SNAPSHOT,
  StageRunner,
  trainingWindowCuts,
  type ActiveModel,
  type FeatureStage,
} from '@nextbuy/rebuild';

/** What the gate decided, as the model's status. */
const STATUS_OF = { activated: 'active', refused: 'candidate', kept: 'retired' } as const satisfies Record<
  string,
  ModelStatus
>;

/**
 * The feature phase, one stage per job: a feature artifact at as-of, one training window of the
 * ranker, the ranker's fit over the stored windows, or a training build's gate.
 */
@Injectable()
export class FeatureStagesService {
  private readonly logger = new Logger('models');

  constructor(
    private readonly stages: StageRunner,
    private readonly cache: BuildArtifactCache,
    private readonly outputs: BuildOutputRepository,
    private readonly builds: BuildRepository,
    private readonly models: ModelRepository,
  ) {}

  async feature(buildId: string, stage: string): Promise<void> {
    const build = await this.stages.inFlight(buildId);
    if (!build) return;
    const config = engineConfigOf(build);
    if (!featureStageNames(config, buildPlan(build)).includes(stage))
      throw new PermanentJobError(`unknown feature stage "${stage}"`);
    if (stage === GATE) {
      await this.stages.timed(buildId, stage, () => this.gate(build));
      // Outside the timed stage: the build's last act (the stage's "done" is recorded first).
      if (await this.builds.finishTraining(buildId)) await this.outputs.deleteArtifacts(buildId);
      this.cache.clear();
      return;
    }
    await this.stages.timed(buildId, stage, async () => {
      if (FEATURE_CODECS[stage as FeatureStage]?.key === 'attributes')
        await this.attributeGraph(build, stage);
      else await this.outputs.saveArtifact(buildId, stage, await this.run(build, stage));
    });
  }

  /**
   * The attribute graph stage. The graph is computed from the catalogue alone, which most rebuilds
   * find unchanged: when an earlier build's graph was made from the same token vectors and settings
   * (`attributeGraphInputs`' digest), it is copied inside Postgres instead (the same bytes; on a
   * 100k-product catalogue 4–6 s of one core less, on the path every later stage waits for).
   */
  private async attributeGraph(build: BuildEntity, stage: string): Promise<void> {
    const config = engineConfigOf(build);
    const s = await this.cache.reader(build.id)(SNAPSHOT, decodeSnapshot);
    const inputs = attributeGraphInputs(s, config);
    const earlier = await this.outputs.artifactMadeFrom(stage, inputs.digest, build.id);
    if (earlier !== null && (await this.outputs.copyArtifact(earlier, build.id, stage))) {
      await this.builds.updateStage(build.id, stage, {
        detail: `the catalogue's attributes are those of build ${earlier}: its graph copied`,
      });
    } else {
      const graph = await this.cache.get(build.id, 'attributes', () =>
        Promise.resolve(buildAttributeGraph(s, config, inputs.vectors)),
      );
      await this.outputs.saveArtifact(build.id, stage, encodeAttributeGraph(graph));
    }
    await this.outputs.saveArtifactInputs(build.id, stage, inputs.digest);
  }

  private async run(build: BuildEntity, stage: string): Promise<Uint8Array> {
    const config = engineConfigOf(build);
    if (stage === RANKER) {
      const windows = await Promise.all(
        Array.from({ length: config.ranker.trainingWindows }, (_, i) =>
          this.outputs.loadArtifact(build.id, rankerWindowStage(i + 1)).then(decodeTrainingSet),
        ),
      );
      const model = trainRankerModel(mergeTrainingSets(windows), config.ranker);
      const bytes = encodeRanker(model);
      // A rebuild that fitted its own ranker keeps it as a model too (a training build: at its gate);
      // a retried stage does not store it twice.
      if (buildPlan(build) === 'train-and-rank' && !(await this.models.ofBuild(build.id)))
        await this.storeModel(build, null, model, bytes);
      return bytes;
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
      const { training, holdout } = buildTrainingWindowWithHoldout(s, config, window, reuse);
      // Window 1's horizon is the last one before as-of: the gate scores models on its holdout.
      if (window === 1) await this.outputs.saveArtifact(build.id, RANKER_HOLDOUT, encodeHoldout(holdout));
      return encodeTrainingSet(training);
    }
    const codec = FEATURE_CODECS[stage as FeatureStage];
    return codec.encode(codec.build(s, config));
  }

  /** A training build's last stage: the fitted ranker judged against the active model, then stored. */
  private async gate(build: BuildEntity): Promise<void> {
    const bytes = await this.outputs.loadArtifact(build.id, RANKER);
    const training = await this.models.ofBuild(build.id);
    if (!training) throw new PermanentJobError(`training build ${build.id} has no model row`);
    if (training.status !== 'training') return; // a retried gate: stored already
    await this.storeModel(build, training.id, decodeRanker(bytes), bytes);
  }

  /**
   * Judges a fitted ranker on the holdout against the active model and stores it with the report:
   * active, candidate (refused) or retired (older than the active model).
   */
  private async storeModel(
    build: BuildEntity,
    id: string | null,
    model: RankerModel,
    bytes: Uint8Array,
  ): Promise<void> {
    const config = engineConfigOf(build);
    if (!build.asOf) throw new PermanentJobError(`build ${build.id} has no as-of: its snapshot did not run`);
    const holdout = decodeHoldout(await this.outputs.loadArtifact(build.id, RANKER_HOLDOUT));
    const active = await this.activeModel(build.task);
    const report = judgeModel(model, active, holdout, build.asOf, config);
    const stored = await this.models.store(
      id,
      build.id,
      {
        task: build.task,
        artifact: bytes,
        asOf: build.asOf,
        windows: trainingWindowCuts(build.asOf, config),
        config: build.config.engine as Record<string, unknown>,
        features: featureNames(),
        trainedRows: model.trainedRows,
        report,
      },
      STATUS_OF[report.decision],
      active?.id ?? null,
    );
    await this.builds.updateStage(build.id, build.kind === 'training' ? GATE : RANKER, {
      detail: `model ${stored.id}: ${stored.status} (${report.reason})`,
    });
    this.logger.log(`model ${stored.id} from build ${build.id}: ${stored.status} (${report.reason})`);
  }

  /** The task's active model, decoded (null model: it cannot score today's feature layout). */
  private async activeModel(task: string): Promise<ActiveModel | null> {
    const active = await this.models.active(task);
    if (!active) return null;
    let model: RankerModel | null = null;
    try {
      model = decodeRanker(await this.models.artifact(active.id));
    } catch {
      model = null;
    }
    return { id: active.id, asOf: active.asOf, model };
  }

  /** The attribute graph (catalogue only, the same for every training window): built once per process. */
  private attributesOf(buildId: string, s: Snapshot, config: EngineConfig): Promise<AttributeGraph> {
    return this.cache.get(buildId, 'attributes', () => Promise.resolve(buildAttributeGraph(s, config)));
  }
}
