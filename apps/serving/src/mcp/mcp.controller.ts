import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ApiError, ApiErrorResponse, ApiKeyAuth, RequiresScope } from '@nextbuy/server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RecommendationsService } from '../recommendations/recommendations.service';
import { MCP_REQUEST_EXAMPLE } from './mcp.openapi';
import { registerRecommendationsTool } from './recommendations.tool';

const SERVER_INFO = { name: 'nextbuy', version: '0.1.0' };

/** The parts of Fastify's request and reply this route uses. */
interface RawRequest {
  raw: IncomingMessage;
}
interface RawReply {
  raw: ServerResponse;
  getHeaders(): Record<string, number | string | string[] | undefined>;
  header(name: string, value: string): unknown;
  hijack(): unknown;
}

/**
 * `POST /mcp`: the Model Context Protocol over streamable HTTP, stateless (every request stands
 * alone: no session to keep, so any replica answers any request) with JSON answers. The API-key
 * guard and the rate limiter apply as on every route.
 */
@ApiTags('mcp')
@ApiKeyAuth('read')
@RequiresScope('read')
@Controller('mcp')
export class McpController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Post()
  @ApiOperation({
    summary: 'Model Context Protocol (streamable HTTP, stateless)',
    description:
      'JSON-RPC 2.0 messages of MCP. Tool `get_product_recommendations` (`customer_id`, optional ' +
      '`product_id`, `limit` 1–50 default 10, `recommendation_type`) answers what ' +
      '`GET /v1/customers/{id}/recommendations` answers. Send `Accept: application/json, text/event-stream`.',
  })
  @ApiBody({ schema: { type: 'object' }, examples: MCP_REQUEST_EXAMPLE })
  @ApiResponse({ status: 200, description: 'A JSON-RPC response' })
  @ApiErrorResponse(401, 'No API key, or an unknown one')
  async handle(@Req() req: RawRequest, @Res() reply: RawReply, @Body() body: unknown): Promise<void> {
    const server = new McpServer(SERVER_INFO);
    registerRecommendationsTool(server, this.recommendations);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // The transport writes to the raw response: carry over what Fastify hooks set (CORS, rate limit).
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value);
    }
    reply.hijack();
    await transport.handleRequest(req.raw, reply.raw, body);
  }

  /** Stateless: no stream to resume and no session to end. */
  @Get()
  @Delete()
  @HttpCode(HttpStatus.METHOD_NOT_ALLOWED)
  @ApiOperation({ summary: 'Not used: this MCP endpoint is stateless (405)' })
  notAllowed(@Res({ passthrough: true }) reply: RawReply): never {
    reply.header('allow', 'POST');
    throw new ApiError(
      HttpStatus.METHOD_NOT_ALLOWED,
      'This MCP endpoint is stateless: send JSON-RPC with POST /mcp',
    );
  }
}
