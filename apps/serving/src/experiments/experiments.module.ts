import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { ENV } from '@nextbuy/server';
import { SERVING_CONFIG, type ServingConfig, servingConfig } from '../serving.config';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsService } from './experiments.service';
import { RunningExperimentService } from './running-experiment.service';

/** The experiments admin API (scope `admin`) and the running experiment that assigns variants. */
@Module({})
export class ExperimentsModule {
  static forRoot(overrides: Partial<ServingConfig> = {}): DynamicModule {
    return {
      module: ExperimentsModule,
      controllers: [ExperimentsController],
      providers: [
        { provide: SERVING_CONFIG, inject: [ENV], useFactory: (env: Env) => servingConfig(env, overrides) },
        RunningExperimentService,
        ExperimentsService,
      ],
      exports: [RunningExperimentService],
    };
  }
}
