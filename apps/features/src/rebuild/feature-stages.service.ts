import { Injectable, Logger } from '@nestjs/common';
import { PermanentJobError, type ModelStatus } from '@nextbuy/contracts';
import { BuildOutputRepository, BuildRepository, ModelRepository, type BuildEntity } from '@nextbuy/db';
import {
  attributeGraphInputs,
  buildAttributeGraph,
  buildItemGraphs,
  buildTrainingWindowWithHoldout,
  decodeAttributeGraph,
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
  type AttributeGraphInputs,
  type FeatureArtifacts,
  type RankerModel,
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

/** The feature stage whose artifact an unchanged catalogue lets a rebuild copy. */
const ATTRIBUTE_GRAPH: FeatureStage = 'attribute-graph';

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
      if (stage === ATTRIBUTE_GRAPH) await this.attributeGraph(build);
      else await this.outputs.saveArtifact(buildId, stage, await this.run(build, stage));
    });
  }

  /**
   * The attribute graph stage. The graph is computed from the catalogue alone, which most rebuilds
   * find unchanged: when an earlier build's graph was made from the same token vectors and settings
   * (`attributeGraphInputs`' digest), it is copied inside Postgres instead (the same bytes; on a
   * 100k-product catalogue 4–6 s of one core less, on the path every later stage waits for).
   */
  private async attributeGraph(build: BuildEntity): Promise<void> {
    const source = await this.attributeSource(build);
    if (
      source.earlier !== null &&
      (await this.outputs.copyArtifact(source.earlier, build.id, ATTRIBUTE_GRAPH))
    ) {
      await this.builds.updateStage(build.id, ATTRIBUTE_GRAPH, {
        detail: `the catalogue's attributes are those of build ${source.earlier}: its graph copied`,
      });
    } else {
      const graph = await this.attributesOf(build);
      await this.outputs.saveArtifact(build.id, ATTRIBUTE_GRAPH, encodeAttributeGraph(graph));
    }
    await this.outputs.saveArtifactInputs(build.id, ATTRIBUTE_GRAPH, source.inputs.digest);
  }

  /** What the build's attribute graph is made from, and the newest earlier build with the same graph. */
  private attributeSource(
    build: BuildEntity,
  ): Promise<{ inputs: AttributeGraphInputs; earlier: string | null }> {
    return this.cache.get(build.id, 'attribute-inputs', async () => {
      const s = await this.cache.reader(build.id)(SNAPSHOT, decodeSnapshot);
      const inputs = attributeGraphInputs(s, engineConfigOf(build));
      const earlier = await this.outputs.artifactMadeFrom(ATTRIBUTE_GRAPH, inputs.digest, build.id);
      return { inputs, earlier };
    });
  }

  /**
   * The build's attribute graph, once per process (the training windows read it too): an earlier
   * build's with the same inputs, decoded, else computed.
   */
  private attributesOf(build: BuildEntity): Promise<AttributeGraph> {
    return this.cache.get(build.id, 'attributes', async () => {
      const { inputs, earlier } = await this.attributeSource(build);
      const stored = earlier === null ? null : await this.outputs.loadArtifactIfAny(earlier, ATTRIBUTE_GRAPH);
      if (stored !== null) return decodeAttributeGraph(stored);
      const s = await this.cache.reader(build.id)(SNAPSHOT, decodeSnapshot);
      return buildAttributeGraph(s, engineConfigOf(build), inputs.vectors);
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
      const reuse: Partial<FeatureArtifacts> = { attributes: await this.attributesOf(build) };
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
}
