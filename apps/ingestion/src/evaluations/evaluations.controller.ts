import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { evaluationRequestSchema, type EvaluationRequest, type EvaluationView } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import { z } from 'zod';
import { EvaluationsService } from './evaluations.service';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

@ApiTags('evaluations')
@Controller('v1/evaluations')
export class EvaluationsController {
  constructor(private readonly evaluations: EvaluationsService) {}

  @Post()
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Start a backtest',
    description:
      'Trains the engine on events strictly before `as_of` and scores it, next to baselines and each ' +
      'strategy alone, against the distinct products each non-guest customer bought in ' +
      '[as_of, as_of + horizon_days). Runs as a job on the features queue; read the report with GET.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['as_of'],
      properties: {
        as_of: { type: 'string', format: 'date-time', example: '2011-11-09T00:00:00Z' },
        horizon_days: { type: 'integer', minimum: 1, default: 30 },
        k: { type: 'integer', minimum: 1, default: 12 },
      },
    },
  })
  @ApiResponse({
    status: 202,
    description: 'Queued',
    schema: { type: 'object', properties: { evaluation_id: { type: 'string' } } },
  })
  @ApiErrorResponse(400, 'as_of is missing or not an ISO 8601 date-time, or horizon_days / k out of range')
  start(
    @Body(new ZodValidationPipe(evaluationRequestSchema)) body: EvaluationRequest,
  ): Promise<{ evaluation_id: string }> {
    return this.evaluations.start(body);
  }

  @Get()
  @ApiKeyAuth('read')
  @RequiresScope('read')
  @ApiOperation({ summary: 'Recent evaluations, newest first' })
  list(@Query(new ZodValidationPipe(listQuery)) query: z.infer<typeof listQuery>): Promise<EvaluationView[]> {
    return this.evaluations.list(query.limit);
  }

  @Get(':id')
  @ApiKeyAuth('read')
  @RequiresScope('read')
  @ApiOperation({ summary: 'One evaluation: status, and the report once done (or the error)' })
  @ApiErrorResponse(404, 'No such evaluation')
  get(@Param('id') id: string): Promise<EvaluationView> {
    return this.evaluations.get(id);
  }
}
