import fastifyStatic from '@fastify/static';
import { applyDecorators } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { dirname } from 'node:path';
import {
  ApiBearerAuth,
  ApiResponse,
  ApiSecurity,
  DocumentBuilder,
  type OperationObject,
  type PathItemObject,
  type ResponseObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import type { ApiScope } from '@nextbuy/config';
import { reasonPhrase } from '../errors/api-error';
import { forbidden } from '../auth/api-key.guard';

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

interface ErrorExample {
  message?: string;
  details?: unknown;
  headers?: Record<string, { description: string }>;
}

/** The shared error body with an example of it (`message`, default: the description). */
function errorSchema(status: number, description: string, example: ErrorExample): SchemaObject {
  return {
    ...ERROR_BODY_SCHEMA,
    example: {
      statusCode: status,
      error: reasonPhrase(status),
      message: example.message ?? description,
      ...(example.details === undefined ? {} : { details: example.details }),
    },
  };
}

function errorHeaders(example: ErrorExample) {
  if (!example.headers) return {};
  return {
    headers: Object.fromEntries(
      Object.entries(example.headers).map(([name, h]) => [name, { ...h, schema: { type: 'integer' } }]),
    ),
  };
}

/** An error answer in the docs, with the shared body and an example of it. */
export const ApiErrorResponse = (status: number, description: string, example: ErrorExample = {}) =>
  ApiResponse({
    status,
    description,
    schema: errorSchema(status, description, example),
    ...errorHeaders(example),
  });

/**
 * The same as an OpenAPI response object, for a route documented by hand (one served outside
 * Nest's controllers, which `@nestjs/swagger` cannot see).
 */
export const errorResponseObject = (
  status: number,
  description: string,
  example: ErrorExample = {},
): ResponseObject => ({
  description,
  content: { 'application/json': { schema: errorSchema(status, description, example) } },
  ...errorHeaders(example),
});

/** The answers of the API-key guard and the rate limiter to a route that needs `scope`. */
const apiKeyErrors = (scope: ApiScope): [number, string, ErrorExample][] => [
  [401, 'No API key, or an unknown one', { message: 'Invalid API key' }],
  [
    403,
    `The key's scope does not cover "${scope}"`,
    // Every key may use a `read` route: show a write route's answer then.
    { message: forbidden('read', scope === 'read' ? 'write' : scope) },
  ],
  [
    429,
    'The key (or, without a valid key, the client IP) spent its requests of this minute',
    {
      message: 'Rate limit of 60000 requests per minute exceeded; retry in 12 seconds',
      details: { limit: 60000, retry_after_seconds: 12 },
      headers: { 'Retry-After': { description: 'Seconds until the limit resets' } },
    },
  ],
];

/** Documents the key a route needs, its 401/403 answers (the guard enforces it) and the rate limit. */
export const ApiKeyAuth = (scope: ApiScope) =>
  applyDecorators(
    ApiSecurity(API_KEY_SECURITY),
    ApiBearerAuth(BEARER_SECURITY),
    ...apiKeyErrors(scope).map(([status, description, example]) =>
      ApiErrorResponse(status, description, example),
    ),
  );

/** `ApiKeyAuth` for a route documented by hand: its `security` and error responses. */
export function apiKeyOperation(scope: ApiScope): Pick<OperationObject, 'security' | 'responses'> {
  return {
    security: [{ [API_KEY_SECURITY]: [] }, { [BEARER_SECURITY]: [] }],
    responses: Object.fromEntries(
      apiKeyErrors(scope).map(([status, description, example]) => [
        String(status),
        errorResponseObject(status, description, example),
      ]),
    ),
  };
}

export interface OpenApiOptions {
  title: string;
  description: string;
  version?: string;
  /** Routes documented by hand (served outside Nest's controllers), merged into the document. */
  paths?: Record<string, PathItemObject>;
}

/**
 * Serves the OpenAPI document at `/docs/json` and Swagger UI at `/docs` (no key needed). The UI is
 * served here rather than by `SwaggerModule`, which loads `@fastify/static` from the adapter's own
 * install location and so fails whenever npm nests the plugin under this package.
 */
export async function setupOpenApi(
  app: NestFastifyApplication,
  { title, description, version = '1', paths = {} }: OpenApiOptions,
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
  const document = () => {
    const created = SwaggerModule.createDocument(app, config);
    return { ...created, paths: { ...created.paths, ...paths } };
  };
  SwaggerModule.setup(DOCS_PATH, app, document, {
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
