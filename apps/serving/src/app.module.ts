import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { type OpenApiOptions, ServerModule } from '@nextbuy/server';
import { McpModule } from './mcp/mcp.module';
import { CUSTOMER_RECOMMENDATIONS_ROUTE } from './recommendations/customer-recommendations.route';
import { RecommendationsModule } from './recommendations/recommendations.module';
import { CUSTOMER_RECOMMENDATIONS_OPENAPI } from './recommendations/recommendations.openapi';
import type { ServingConfig } from './serving.config';

export const APP = 'serving';

export const OPENAPI: OpenApiOptions = {
  title: 'nextbuy serving',
  description:
    'Storefront API: recommendations with their reasons. Keys travel in `x-api-key` or ' +
    '`Authorization: Bearer KEY`; these routes need scope `read`. Errors are `{statusCode, error, message, details?}`.',
  paths: CUSTOMER_RECOMMENDATIONS_OPENAPI,
};

/**
 * The storefront API. Redis (its cache) is left out of readiness on purpose: serving falls back to
 * Postgres, so a Redis outage must not take it out of the load balancer.
 */
@Module({})
export class AppModule {
  /**
   * `env` is explicit in tests (their own database); `main.ts` passes the process environment.
   * `serving` overrides tuning defaults (tests: a slow poll, so a switch must come through pub/sub).
   */
  static forRoot(env?: Env, serving: Partial<ServingConfig> = {}): DynamicModule {
    // Feature modules (recommendations; later feedback, MCP) each own their controllers and services.
    const recommendations = RecommendationsModule.forRoot(serving);
    const features = [recommendations, McpModule.forRoot(recommendations)];
    return {
      module: AppModule,
      imports: [
        ServerModule.forRoot({
          name: APP,
          env,
          apiKeys: true,
          unloggedRoutes: [CUSTOMER_RECOMMENDATIONS_ROUTE],
        }),
        ...features,
      ],
    };
  }
}
