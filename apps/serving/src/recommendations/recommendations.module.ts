import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { ENV } from '@nextbuy/server';
import { ActiveBuildService } from '../builds/active-build.service';
import { ListCacheService } from '../cache/list-cache.service';
import { StoredListsService } from '../cache/stored-lists.service';
import { ServingCatalogService } from '../catalog/serving-catalog.service';
import { ExperimentsModule } from '../experiments/experiments.module';
import { FeedbackModule } from '../feedback/feedback.module';
import { MerchandisingService } from '../rules/merchandising.service';
import { ServingRulesService } from '../rules/serving-rules.service';
import { ShapedTops } from '../rules/shaped-tops';
import { SERVING_CONFIG, type ServingConfig, servingConfig } from '../serving.config';
import { CustomerRecommendationsRoute } from './customer-recommendations.route';
import { ProductsController } from './products.controller';
import { RecommendationsService } from './recommendations.service';

/** The storefront read path: recommendations and product lists of the active build, through the cache. */
@Module({})
export class RecommendationsModule {
  static forRoot(overrides: Partial<ServingConfig> = {}): DynamicModule {
    return {
      module: RecommendationsModule,
      // Answers are assigned a variant (experiments) and logged for attribution (feedback).
      imports: [ExperimentsModule.forRoot(overrides), FeedbackModule.forRoot(overrides)],
      controllers: [ProductsController],
      providers: [
        { provide: SERVING_CONFIG, inject: [ENV], useFactory: (env: Env) => servingConfig(env, overrides) },
        // The repositories come from the global DatabaseModule.
        ActiveBuildService,
        ServingCatalogService,
        ServingRulesService,
        MerchandisingService,
        ShapedTops,
        ListCacheService,
        StoredListsService,
        RecommendationsService,
        CustomerRecommendationsRoute,
      ],
      // The MCP tool answers through the same service; request-time rules read the catalogue.
      exports: [RecommendationsService, ServingCatalogService, ServingRulesService],
    };
  }
}
