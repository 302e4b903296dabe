import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FeedbackAccepted } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope } from '@nextbuy/server';
import { FEEDBACK_ACCEPTED_SCHEMA, FEEDBACK_BODY } from './feedback.openapi';
import { FeedbackService } from './feedback.service';

/** Storefronts send feedback with the same `read` key they fetch recommendations with. */
@ApiTags('feedback')
@ApiKeyAuth('read')
@RequiresScope('read')
@Controller('v1/feedback')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Report what the customer did with recommended items',
    description:
      'One event or a JSON array of up to 1,000. Validated now, written within about half a second ' +
      '(batched). Each is attributed to the build, variant, position and strategy of the answer named ' +
      'by `recommendation_id`; a repeated (recommendation, product, type) counts once. Any event about ' +
      'an item implies it was shown, so sending impressions is optional but makes CTR meaningful.',
  })
  @ApiBody(FEEDBACK_BODY)
  @ApiResponse({ status: 202, description: 'Queued for writing', schema: FEEDBACK_ACCEPTED_SCHEMA })
  @ApiErrorResponse(
    400,
    'Not JSON, not an object or array, or (a single object) a field is missing or invalid',
  )
  @ApiErrorResponse(413, 'More than 1,000 events in one array')
  @ApiErrorResponse(503, 'Postgres has been unreachable long enough that the write buffer is full')
  accept(@Body() body: unknown): FeedbackAccepted {
    return this.feedback.accept(body);
  }
}
