import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';

/** Puts `ApiKeyGuard` in front of every route of the app (routes opt out with `@Public()`). */
@Module({ providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }] })
export class ApiKeyModule {}
