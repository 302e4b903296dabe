import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import type { OpenApiOptions } from '@nextbuy/server';
import { ServerModule } from '@nextbuy/server';
import { CatalogModule } from './catalog/catalog.module';
import { EventsModule } from './events/events.module';

export const APP = 'ingestion';

export const OPENAPI: OpenApiOptions = {
  title: 'nextbuy ingestion',
  description:
    'Events, product and customer upserts. Keys travel in `x-api-key` or `Authorization: Bearer KEY`; ' +
    'these routes need scope `write`. Errors are `{statusCode, error, message, details?}`.',
};

/** Feature modules of the app; each owns its controllers and services. */
const FEATURES = [EventsModule, CatalogModule];

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
