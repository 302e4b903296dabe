import 'reflect-metadata';
import { runHttpApp } from '@nextbuy/server';
import { APP, AppModule, OPENAPI } from './app.module';

// Answers (~7 KB) are built with Buffer.concat, which takes buffers under half the pool size from a
// shared slab: at the 8 KB default each answer got an ArrayBuffer of its own (BENCHMARKS.md, serving).
Buffer.poolSize = 64 * 1024;

runHttpApp(APP, (env) => ({ module: AppModule.forRoot(env), port: env.SERVING_PORT, openApi: OPENAPI }));
