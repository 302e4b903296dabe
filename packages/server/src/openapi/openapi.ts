import fastifyStatic from '@fastify/static';
import { applyDecorators } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { dirname } from 'node:path';
import {
  ApiBearerAuth,
  ApiResponse,
  ApiSecurity,
  DocumentBuilder,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import type { ApiScope } from '@nextbuy/config';

export const API_KEY_SECURITY = 'api-key';
export const BEARER_SECURITY = 'bearer';
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs/json';

export const ERROR_BODY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 400 },
    error: { type: 'string', example: 'Bad Request' },
    message: { type: 'string', example: 'Malformed JSON body: Unexpected end of JSON input' },
    details: { description: 'Structured detail when there is some (validation errors, limits, …)' },
  },
};

/** An error answer in the docs, with the shared body. */
export const ApiErrorResponse = (status: number, description: string) =>
  ApiResponse({ status, description, schema: ERROR_BODY_SCHEMA });

/** Documents the key a route needs and its 401/403 answers (the guard enforces it). */
export const ApiKeyAuth = (scope: ApiScope) =>
  applyDecorators(
    ApiSecurity(API_KEY_SECURITY),
    ApiBearerAuth(BEARER_SECURITY),
    ApiErrorResponse(401, 'No API key, or an unknown one'),
    ApiErrorResponse(403, `The key's scope is weaker than "${scope}"`),
  );

export interface OpenApiOptions {
  title: string;
  description: string;
  version?: string;
}

/**
 * Serves the OpenAPI document at `/docs/json` and Swagger UI at `/docs` (no key needed). The UI is
 * served here rather than by `SwaggerModule`, which loads `@fastify/static` from the adapter's own
 * install location and so fails whenever npm nests the plugin under this package.
 */
export async function setupOpenApi(
  app: NestFastifyApplication,
  { title, description, version = '1' }: OpenApiOptions,
): Promise<void> {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setDescription(description)
    .setVersion(version)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, API_KEY_SECURITY)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' },
      BEARER_SECURITY,
    )
    .build();
  SwaggerModule.setup(DOCS_PATH, app, () => SwaggerModule.createDocument(app, config), {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: DOCS_JSON_PATH,
  });
  await app.register(fastifyStatic as never, {
    root: dirname(require.resolve('swagger-ui-dist/package.json')),
    prefix: `/${DOCS_PATH}/`,
    decorateReply: false,
    index: false,
  });
  const page = swaggerUiPage(title);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get(`/${DOCS_PATH}`, (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
}

function swaggerUiPage(title: string): string {
  const escaped = title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escaped}</title>
  <link rel="stylesheet" href="/${DOCS_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/${DOCS_JSON_PATH}', dom_id: '#swagger-ui', persistAuthorization: true });
  </script>
</body>
</html>
`;
}
