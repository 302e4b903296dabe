import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { taskNameSchema, type BuildView, type RollbackResult } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import { z } from 'zod';
import { RebuildsService } from './rebuilds.service';

const triggerBody = z
  .object({
    as_of: z.string({ error: 'as_of must be an ISO 8601 date-time string' }).optional(),
    task: taskNameSchema.optional(),
  })
  .strict()
  .optional();
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

@ApiTags('rebuilds')
@Controller('v1/rebuilds')
export class RebuildsController {
  constructor(private readonly rebuilds: RebuildsService) {}

  @Post()
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Start a rebuild',
    description:
      'Snapshot → feature stages → rank shards → publish, through the queues. `as_of` fixes the reference ' +
      'time (the build sees only events before it); without it, the newest event is the reference. ' +
      'Only one build runs at a time: a trigger while one is in flight answers 409 naming it.',
  })
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      properties: {
        as_of: { type: 'string', format: 'date-time', example: '2011-11-09T00:00:00Z' },
        task: {
          type: 'string',
          example: 'weekly-carts',
          description: "The prediction task (`/v1/tasks`); absent: the default task, today's behaviour",
        },
      },
    },
  })
  @ApiResponse({
    status: 202,
    description: 'Queued',
    schema: { type: 'object', properties: { build_id: { type: 'string' } } },
  })
  @ApiErrorResponse(400, 'as_of is not an ISO 8601 date-time, or the task does not exist')
  @ApiErrorResponse(409, 'A build is already queued or running')
  trigger(
    @Body(new ZodValidationPipe(triggerBody)) body: z.infer<typeof triggerBody>,
  ): Promise<{ build_id: string }> {
    return this.rebuilds.trigger(body?.as_of, body?.task);
  }

  @Get()
  @ApiKeyAuth('read')
  @RequiresScope('read')
  @ApiOperation({ summary: 'Recent builds, newest first' })
  list(@Query(new ZodValidationPipe(listQuery)) query: z.infer<typeof listQuery>): Promise<BuildView[]> {
    return this.rebuilds.list(query.limit);
  }

  @Get(':id')
  @ApiKeyAuth('read')
  @RequiresScope('read')
  @ApiOperation({
    summary: 'One build: status, per-stage progress and timings, counts, configuration, error',
  })
  @ApiErrorResponse(404, 'No such build')
  get(@Param('id') id: string): Promise<BuildView> {
    return this.rebuilds.get(id);
  }

  @Post(':id/rollback')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Re-activate a kept earlier build',
    description:
      'A pointer flip: the build, which must be superseded and still kept (`BUILDS_KEEP`), becomes the ' +
      'active one and serving switches at once. Rolling back to the active build changes nothing.',
  })
  @ApiResponse({
    status: 200,
    description: 'Active again; `replaced` is the build it superseded (null when it was already active)',
    schema: {
      type: 'object',
      properties: { build: { type: 'object' }, replaced: { type: 'string', nullable: true } },
    },
  })
  @ApiErrorResponse(404, 'No such build')
  @ApiErrorResponse(409, 'The build never published, failed, or is still in flight')
  rollback(@Param('id') id: string): Promise<RollbackResult> {
    return this.rebuilds.rollback(id);
  }
}
