import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  createExperimentSchema,
  type ExperimentReport,
  type ExperimentView,
  type NewExperiment,
} from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import { CREATE_EXPERIMENT_BODY, EXPERIMENT_SCHEMA, REPORT_SCHEMA } from './experiments.openapi';
import { ExperimentsService } from './experiments.service';

const ID_PARAM = { name: 'id', description: 'The experiment id', example: '3' };

/** Reading experiments and reports needs `read` (the console's read-only view); changing them `admin`. */
@ApiTags('experiments')
@Controller('v1/experiments')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Post()
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @ApiOperation({
    summary: 'Define an A/B experiment (as a draft)',
    description:
      'Variants split customers by share (a stable hash of experiment and customer id); each variant ' +
      'shapes the stored answer: `source: "popular"` answers the popular list (a popularity-only ' +
      'control), `strategy_weights` re-orders the customer’s list by score × weight (0 drops a strategy).',
  })
  @ApiBody(CREATE_EXPERIMENT_BODY)
  @ApiResponse({ status: 201, description: 'Created as a draft', schema: EXPERIMENT_SCHEMA })
  @ApiErrorResponse(400, 'A field is missing or invalid, variant names repeat, or shares do not sum to 1')
  @ApiErrorResponse(409, 'An experiment with this name exists')
  create(@Body(new ZodValidationPipe(createExperimentSchema)) body: NewExperiment): Promise<ExperimentView> {
    return this.experiments.create(body);
  }

  @Get()
  @ApiKeyAuth('read')
  @RequiresScope('read')
  @ApiOperation({ summary: 'Every experiment, newest first' })
  @ApiResponse({
    status: 200,
    description: 'The experiments',
    schema: { type: 'array', items: EXPERIMENT_SCHEMA },
  })
  list(): Promise<ExperimentView[]> {
    return this.experiments.list();
  }

  @Get(':id')
  @ApiKeyAuth('read')
  @RequiresScope('read')
  @ApiOperation({ summary: 'One experiment' })
  @ApiParam(ID_PARAM)
  @ApiResponse({ status: 200, description: 'The experiment', schema: EXPERIMENT_SCHEMA })
  @ApiErrorResponse(404, 'No such experiment')
  get(@Param('id') id: string): Promise<ExperimentView> {
    return this.experiments.get(id);
  }

  @Post(':id/start')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Start a draft experiment',
    description: 'At most one experiment runs at a time. Serving replicas follow within a few seconds.',
  })
  @ApiParam(ID_PARAM)
  @ApiResponse({ status: 200, description: 'Running', schema: EXPERIMENT_SCHEMA })
  @ApiErrorResponse(404, 'No such experiment')
  @ApiErrorResponse(409, 'Another experiment is running, or this one is not a draft')
  start(@Param('id') id: string): Promise<ExperimentView> {
    return this.experiments.start(id);
  }

  @Post(':id/stop')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Stop a running experiment (answers go back to the default variant)' })
  @ApiParam(ID_PARAM)
  @ApiResponse({ status: 200, description: 'Stopped', schema: EXPERIMENT_SCHEMA })
  @ApiErrorResponse(404, 'No such experiment')
  @ApiErrorResponse(409, 'The experiment is not running')
  stop(@Param('id') id: string): Promise<ExperimentView> {
    return this.experiments.stop(id);
  }

  @Get(':id/report')
  @ApiKeyAuth('read')
  @RequiresScope('read')
  @ApiOperation({
    summary: 'CTR and conversion per variant, strategy and position, with 95 % Wilson intervals',
    description:
      'From the feedback written so far (it lags by up to about half a second). An item counts as shown ' +
      'once per answer; clicks, adds to cart and purchases count at most once per shown item.',
  })
  @ApiParam(ID_PARAM)
  @ApiResponse({ status: 200, description: 'The report', schema: REPORT_SCHEMA })
  @ApiErrorResponse(404, 'No such experiment')
  report(@Param('id') id: string): Promise<ExperimentReport> {
    return this.experiments.report(id);
  }
}
