import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { ENV } from '@nextbuy/server';
import { SERVING_CONFIG, type ServingConfig, servingConfig } from '../serving.config';
import { FeedbackController } from './feedback.controller';
import { FeedbackService } from './feedback.service';
import { LogRetentionService } from './log-retention.service';
import { RecommendationLogService } from './recommendation-log.service';

/** `POST /v1/feedback` and the log of served answers it is attributed to (both written behind). */
@Module({})
export class FeedbackModule {
  static forRoot(overrides: Partial<ServingConfig> = {}): DynamicModule {
    return {
      module: FeedbackModule,
      controllers: [FeedbackController],
      providers: [
        { provide: SERVING_CONFIG, inject: [ENV], useFactory: (env: Env) => servingConfig(env, overrides) },
        FeedbackService,
        RecommendationLogService,
        LogRetentionService,
      ],
      exports: [FeedbackService, RecommendationLogService],
    };
  }
}
