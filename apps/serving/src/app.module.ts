import { type DynamicModule, Module, type Type } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { type OpenApiOptions, ServerModule } from '@nextbuy/server';

export const APP = 'serving';

export const OPENAPI: OpenApiOptions = {
  title: 'nextbuy serving',
  description:
    'Storefront API: recommendations with their reasons. Keys travel in `x-api-key` or ' +
    '`Authorization: Bearer KEY`; these routes need scope `read`. Errors are `{statusCode, error, message, details?}`.',
};

/** Feature modules of the app (recommendations, feedback, MCP); each owns its controllers and services. */
const FEATURES: Type[] = [];

/**
 * The storefront API. Redis (its cache) is left out of readiness on purpose: serving falls back to
 * Postgres, so a Redis outage must not take it out of the load balancer.
 */
@Module({})
export class AppModule {
  /** `env` is explicit in tests (their own database); `main.ts` passes the process environment. */
  static forRoot(env?: Env): DynamicModule {
    return {
      module: AppModule,
      imports: [ServerModule.forRoot({ name: APP, env, apiKeys: true }), ...FEATURES],
    };
  }
}
