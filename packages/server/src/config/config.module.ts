import { type DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { type Env, loadEnv } from '@nextbuy/config';

/** Injection token of the validated environment (`Env`). */
export const ENV = Symbol('nextbuy.env');
/** Injection token of the app's name (`ingestion`, `serving`, …): logs, metrics, pg application_name. */
export const APP_NAME = Symbol('nextbuy.app-name');

/** `@InjectEnv() env: Env` */
export const InjectEnv = (): ParameterDecorator => Inject(ENV);

/**
 * The validated environment for every provider. `forRoot()` reads the process environment once
 * (`loadEnv()`); tests pass an explicit `Env` so each app instance gets its own database.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(env?: Env): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: ENV, useFactory: () => env ?? loadEnv() }],
      exports: [ENV],
    };
  }
}
