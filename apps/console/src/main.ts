import 'reflect-metadata';
import { runHttpApp } from '@nextbuy/server';
import { APP, AppModule } from './app.module';

runHttpApp(APP, (env) => ({ module: AppModule.forRoot(env), port: env.CONSOLE_PORT }));
