import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type NewTask, taskInputSchema, type TaskView } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import { TASK_BODY, TASK_SCHEMA } from './tasks.openapi';
import { TasksService } from './tasks.service';

const NAME_PARAM = { name: 'name', description: 'The task name', example: 'weekly-carts' };

/** Prediction tasks (docs/tasks.md): every route needs `admin`. */
@ApiTags('tasks')
@Controller('v1/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @ApiOperation({ summary: 'Every prediction task, the default one first' })
  @ApiResponse({ status: 200, description: 'The tasks', schema: { type: 'array', items: TASK_SCHEMA } })
  list(): Promise<TaskView[]> {
    return this.tasks.list();
  }

  @Post()
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @ApiOperation({
    summary: 'Create a prediction task',
    description:
      'A named query stating what to predict (the target events and horizon), how many products to keep ' +
      '(K) and for which customers. `POST /v1/rebuilds`, `POST /v1/models/train` take its name as `task`; ' +
      'serving answers `?task=NAME` from its published build. Tasks never change once created.',
  })
  @ApiBody(TASK_BODY)
  @ApiResponse({ status: 201, description: 'Created', schema: TASK_SCHEMA })
  @ApiErrorResponse(
    400,
    'A field is missing or invalid, or the query does not parse or asks what the product cannot answer (the message names the position and why)',
  )
  @ApiErrorResponse(409, 'A task with this name exists, or the most tasks held at once (100) are stored')
  create(@Body(new ZodValidationPipe(taskInputSchema)) body: NewTask): Promise<TaskView> {
    return this.tasks.create(body);
  }

  @Get(':name')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @ApiOperation({ summary: 'One task: its query and the definition it was parsed into' })
  @ApiParam(NAME_PARAM)
  @ApiResponse({ status: 200, description: 'The task', schema: TASK_SCHEMA })
  @ApiErrorResponse(404, 'No such task')
  get(@Param('name') name: string): Promise<TaskView> {
    return this.tasks.get(name);
  }
}
