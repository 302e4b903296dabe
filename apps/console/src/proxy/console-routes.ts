import fastifyHttpProxy from '@fastify/http-proxy';
import fastifyStatic from '@fastify/static';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';
import { SessionService } from '../session/session.service';

/** What the browser calls, and where it goes (the SPA's clients use these as base URLs). */
export const INGESTION_PREFIX = '/api/ingestion';
export const SERVING_PREFIX = '/api/serving';
/** Bull Board, at the same path as on ingestion, so its own links and API calls resolve through here. */
export const QUEUES_PREFIX = '/queues';

/** Hashed assets never change under their name; index.html must be re-read to find new ones. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

type Headers = Record<string, string | string[] | undefined>;
interface Reply {
  code(status: number): Reply;
  header(name: string, value: string): Reply;
  type(contentType: string): Reply;
  send(body: unknown): Reply;
  sendFile(file: string): Reply;
}
interface Scope {
  register(plugin: unknown, options?: object): Promise<unknown>;
  removeAllContentTypeParsers(): void;
  get(path: string, handler: (request: { url: string }, reply: Reply) => Reply): unknown;
}
interface Root {
  register(plugin: (scope: Scope) => Promise<void>): unknown;
}

/**
 * The console's Fastify routes outside Nest: `/api/ingestion/…`, `/api/serving/…` and `/queues/…`
 * forwarded to the apps with the sign-in cookie turned into `x-api-key` (and the cookie itself not
 * forwarded), and the built SPA with a fallback to `index.html` for its client-side routes.
 */
@Injectable()
export class ConsoleRoutes implements OnModuleInit {
  private readonly logger = new Logger(ConsoleRoutes.name);

  constructor(
    private readonly http: HttpAdapterHost,
    private readonly sessions: SessionService,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** Runs after Nest registered its routes and before Fastify is ready. */
  onModuleInit(): void {
    const fastify = this.http.httpAdapter.getInstance<Root>();
    const forward = (prefix: string, upstream: string, rewritePrefix: string) =>
      fastify.register(async (scope) => {
        // Bodies go upstream as raw streams (the app validates them): drop the app's JSON parser here.
        scope.removeAllContentTypeParsers();
        await scope.register(fastifyHttpProxy, {
          upstream,
          prefix,
          rewritePrefix,
          replyOptions: {
            rewriteRequestHeaders: (_request: unknown, headers: Headers) => this.withKey(headers),
          },
        });
      });
    forward(INGESTION_PREFIX, this.config.ingestionUrl, '');
    forward(SERVING_PREFIX, this.config.servingUrl, '');
    forward(QUEUES_PREFIX, this.config.ingestionUrl, QUEUES_PREFIX);
    fastify.register((scope) => this.spa(scope));
  }

  /** The key header from the cookie, unless the request brought its own key. */
  private withKey(headers: Headers): Headers {
    const { cookie: _cookie, ...rest } = headers;
    if (rest['x-api-key'] !== undefined || rest.authorization !== undefined) return rest;
    const key = this.sessions.keyOf(headers);
    return key ? { ...rest, 'x-api-key': key } : rest;
  }

  private async spa(scope: Scope): Promise<void> {
    const root = this.config.webRoot;
    if (!existsSync(join(root, 'index.html'))) {
      this.logger.warn(`the console's web app is not built (${root}): run \`npm run build\``);
      scope.get('/*', (_request, reply) =>
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send(`The console's web app is not built (${root} is missing): run \`npm run build\`.\n`),
      );
      return;
    }
    await scope.register(fastifyStatic, {
      root,
      // Every file gets a route of its own; unknown paths fall through to the SPA route below.
      wildcard: false,
      // The build writes `.br` and `.gz` beside each asset (vite.config.mts): sent to browsers that
      // accept them, with `Vary: accept-encoding`.
      preCompressed: true,
      setHeaders: (reply: Reply, path: string) =>
        reply.header('cache-control', path.startsWith(join(root, 'assets')) ? IMMUTABLE : REVALIDATE),
    });
    scope.get('/*', (request, reply) => {
      if (request.url.startsWith('/api/'))
        return reply
          .code(404)
          .send({ statusCode: 404, error: 'Not Found', message: `no route ${request.url}` });
      return reply.header('cache-control', REVALIDATE).sendFile('index.html');
    });
  }
}
