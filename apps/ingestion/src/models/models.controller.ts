import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { taskNameSchema, type ModelActivation, type ModelView, type TrainAccepted } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import { z } from 'zod';
import { ModelsService } from './models.service';

const trainBody = z
  .object({
    as_of: z.string({ error: 'as_of must be an ISO 8601 date-time string' }).optional(),
    task: taskNameSchema.optional(),
  })
  .strict()
  .optional();
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

const ACTIVATION = {
  type: 'object',
  properties: { model: { type: 'object' }, replaced: { type: 'string', nullable: true } },
};

@ApiTags('models')
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Post('train')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Train a model',
    description:
      'A training build through the queues: snapshot → training windows → ranker → gate. The gate scores ' +
      'the new model and the active one on a fixed customer holdout over the last horizon before `as_of`; ' +
      'the new model becomes active if it is not worse by more than the tolerance (or none is active). ' +
      'Only one build (rebuild or training) runs at a time: a trigger while one is in flight answers 409.',
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
    description: 'Queued: the training build and the model it fills',
    schema: {
      type: 'object',
      properties: { build_id: { type: 'string' }, model_id: { type: 'string' } },
    },
  })
  @ApiErrorResponse(400, 'as_of is not an ISO 8601 date-time, or the task does not exist')
  @ApiErrorResponse(409, 'A build is already queued or running')
  train(@Body(new ZodValidationPipe(trainBody)) body: z.infer<typeof trainBody>): Promise<TrainAccepted> {
    return this.models.train(body?.as_of, body?.task);
  }

  @Get()
  @ApiKeyAuth('read')
  @RequiresScope('read')
  @ApiOperation({ summary: 'Models, newest first: status, as-of, training windows, the gate report' })
  list(@Query(new ZodValidationPipe(listQuery)) query: z.infer<typeof listQuery>): Promise<ModelView[]> {
    return this.models.list(query.limit);
  }

  @Post('rollback')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Re-activate the previously active model',
    description:
      'The active model is retired and the one active before it is active again, in one transaction. ' +
      'Repeated, it walks further back. Rebuilds started afterwards rank with it.',
  })
  @ApiResponse({
    status: 200,
    description: 'Active again; `replaced` is the model it replaced',
    schema: ACTIVATION,
  })
  @ApiErrorResponse(409, 'No model is active, or none was active before it')
  rollback(): Promise<ModelActivation> {
    return this.models.rollback();
  }

  @Get(':id')
  @ApiKeyAuth('read')
  @RequiresScope('read')
  @ApiOperation({ summary: 'One model, with its gate report' })
  @ApiErrorResponse(404, 'No such model')
  get(@Param('id') id: string): Promise<ModelView> {
    return this.models.get(id);
  }

  @Post(':id/activate')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Make a trained model the active one',
    description:
      'A flip in one transaction: the active model is retired, this one (candidate or retired) becomes ' +
      'active. The next rebuild ranks with it (if it saw nothing after that rebuild’s as-of). Activating the ' +
      'active model changes nothing.',
  })
  @ApiResponse({
    status: 200,
    description: 'Active; `replaced` is the model it replaced',
    schema: ACTIVATION,
  })
  @ApiErrorResponse(404, 'No such model')
  @ApiErrorResponse(409, 'The model is still training or its training failed')
  activate(@Param('id') id: string): Promise<ModelActivation> {
    return this.models.activate(id);
  }
}
