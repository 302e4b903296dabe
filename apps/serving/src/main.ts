import 'reflect-metadata';
import { runHttpApp } from '@nextbuy/server';
import { APP, AppModule, OPENAPI } from './app.module';

runHttpApp(APP, (env) => ({ module: AppModule.forRoot(env), port: env.SERVING_PORT, openApi: OPENAPI }));
