import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import type { OpenApiOptions } from '@nextbuy/server';
import { QueueModule, ServerModule } from '@nextbuy/server';
import { CatalogModule } from './catalog/catalog.module';
import { EvaluationsModule } from './evaluations/evaluations.module';
import { EventsModule } from './events/events.module';
import { ExploreModule } from './explore/explore.module';
import { ModelsModule } from './models/models.module';
import { QueuesModule } from './queues/queues.module';
import { RebuildsModule } from './rebuilds/rebuilds.module';
import { RulesModule } from './rules/rules.module';
import { TasksModule } from './tasks/tasks.module';

export const APP = 'ingestion';

export const OPENAPI: OpenApiOptions = {
  title: 'nextbuy ingestion',
  description:
    'Events, product and customer upserts, rebuilds, backtests, and what operators read (status, one ' +
    'customer, one product). Keys travel in `x-api-key` or `Authorization: Bearer KEY`; reads need scope ' +
    '`read`, events and catalog upserts `write`, starting rebuilds, training, model activation, rollbacks and backtests merchandising rules (`/v1/rules`) and prediction tasks (`/v1/tasks`) `admin`, and so ' +
    'does Bull Board at `/queues`. Errors are `{statusCode, error, message, details?}`.',
};

/** Feature modules of the app; each owns its controllers and services. */
const FEATURES = [
  EventsModule,
  CatalogModule,
  RebuildsModule,
  ModelsModule,
  EvaluationsModule,
  ExploreModule,
  RulesModule,
  TasksModule,
  QueuesModule,
];

@Module({})
export class AppModule {
  /** `env` is explicit in tests (their own database); `main.ts` passes the process environment. */
  static forRoot(env?: Env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServerModule.forRoot({ name: APP, env, apiKeys: true, redis: true }),
        QueueModule.forRoot(),
        ...FEATURES,
      ],
    };
  }
}
