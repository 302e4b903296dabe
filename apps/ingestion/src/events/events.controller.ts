import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { EventsAccepted } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, jsonArray, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import { EVENT_EXAMPLES, EVENT_SCHEMA, EVENTS_ACCEPTED_SCHEMA } from './events.openapi';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiKeyAuth('write')
@RequiresScope('write')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Store a batch of events',
    description:
      'A JSON array of up to EVENTS_MAX_BATCH (5,000) events. Each item is validated on its own: ' +
      'valid events are stored in Postgres before the answer, invalid ones are listed in `rejected` ' +
      'by index. Re-sending an event with the same `event_id` (or identical content) counts as a ' +
      'duplicate. An empty array is accepted (202 with zeros).',
  })
  @ApiBody({ schema: { type: 'array', maxItems: 5000, items: EVENT_SCHEMA }, examples: EVENT_EXAMPLES })
  @ApiResponse({
    status: 202,
    description: 'Stored (see `rejected` for invalid items)',
    schema: EVENTS_ACCEPTED_SCHEMA,
  })
  @ApiErrorResponse(400, 'The body is not a JSON array, or not valid JSON')
  @ApiErrorResponse(413, 'More events than EVENTS_MAX_BATCH, or a body over HTTP_BODY_LIMIT_BYTES')
  @ApiErrorResponse(415, 'The body is not application/json')
  ingest(@Body(new ZodValidationPipe(jsonArray('events'))) items: unknown[]): Promise<EventsAccepted> {
    return this.events.ingest(items);
  }
}
