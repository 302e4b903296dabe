import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import {
  ApiKeyRepository,
  BuildOutputRepository,
  BuildRepository,
  CatalogRepository,
  createDataSource,
  EventRepository,
  ExperimentRepository,
  FeedbackRepository,
  ImportRepository,
  RuleRepository,
  TaskRepository,
  ModelRepository,
  StatsRepository,
} from '@nextbuy/db';
import { DataSource } from 'typeorm';
import { APP_NAME, ENV } from '../config/config.module';
import { DatabaseConnection } from './database-connection';

const REPOSITORIES: (new (db: DataSource) => unknown)[] = [
  ApiKeyRepository,
  EventRepository,
  CatalogRepository,
  StatsRepository,
  ImportRepository,
  BuildRepository,
  BuildOutputRepository,
  ExperimentRepository,
  FeedbackRepository,
  RuleRepository,
  TaskRepository,
  ModelRepository,
];

const repository = <T>(type: new (db: DataSource) => T): Provider => ({
  provide: type,
  inject: [DataSource],
  useFactory: (db: DataSource) => new type(db),
});

/**
 * The TypeORM `DataSource` of `DATABASE_URL` (connected at boot, closed on shutdown) and the
 * repositories, injectable by their classes: `constructor(private readonly events: EventRepository)`.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(): DynamicModule {
    const providers: Provider[] = [
      {
        provide: DatabaseConnection,
        inject: [ENV, { token: APP_NAME, optional: true }],
        useFactory: async (env: Env, appName?: string) => {
          const connection = new DatabaseConnection(
            createDataSource({
              url: env.DATABASE_URL,
              poolSize: env.DATABASE_POOL_SIZE,
              applicationName: appName ? `nextbuy-${appName}` : 'nextbuy',
            }),
          );
          await connection.connect();
          return connection;
        },
      },
      {
        provide: DataSource,
        inject: [DatabaseConnection],
        useFactory: (c: DatabaseConnection) => c.dataSource,
      },
      ...REPOSITORIES.map((type) => repository(type)),
    ];
    return {
      module: DatabaseModule,
      providers,
      exports: [DatabaseConnection, DataSource, ...REPOSITORIES],
    };
  }
}
