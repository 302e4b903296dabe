import { Module } from '@nestjs/common';
import { BuildArtifactCache } from './artifact-cache';
import { StageRunner } from './stage-runner';

/**
 * What the stages of both worker apps share: the stage base and the per-process artifact cache
 * (needs `ServerModule`'s database providers).
 */
@Module({
  providers: [StageRunner, BuildArtifactCache],
  exports: [StageRunner, BuildArtifactCache],
})
export class StageModule {}
