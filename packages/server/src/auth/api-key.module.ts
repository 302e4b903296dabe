import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HttpRateLimiter } from '../rate-limit/http-rate-limiter';
import { ApiKeyResolver } from './api-key-resolver';
import { ApiKeyGuard } from './api-key.guard';

/**
 * Puts `ApiKeyGuard` in front of every route of the app (routes opt out with `@Public()`), and
 * the per-key rate limiter that `createHttpApp` registers on Fastify.
 */
@Module({
  providers: [ApiKeyResolver, HttpRateLimiter, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeyResolver],
})
export class ApiKeyModule {}
