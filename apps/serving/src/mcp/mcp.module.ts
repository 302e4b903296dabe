import { type DynamicModule, Module } from '@nestjs/common';
import { McpController } from './mcp.controller';

/**
 * `POST /mcp`. `recommendations` is the app's own `RecommendationsModule.forRoot(...)` (the same
 * object, so the same instance): the tool answers through the HTTP API's service, cache and build.
 */
@Module({})
export class McpModule {
  static forRoot(recommendations: DynamicModule): DynamicModule {
    return { module: McpModule, imports: [recommendations], controllers: [McpController] };
  }
}
