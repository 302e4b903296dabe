import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ApiScope } from '@nextbuy/config';
import { QueueName } from '@nextbuy/contracts';
import { JobProducer } from '@nextbuy/queue';
import { ApiError, ApiKeyResolver, authorize, type KeyedRequest, type ReplyLike } from '@nextbuy/server';

/** Where Bull Board answers; the console forwards the same path, so its links work through the proxy. */
export const BULL_BOARD_PATH = '/queues';
/** The same board in Bull Board's read-only mode, for `ops` keys: no retry, promote, clean or pause. */
export const BULL_BOARD_VIEW_PATH = `${BULL_BOARD_PATH}/view`;

/** The little of Fastify's API this uses (Fastify's types are @nextbuy/server's dependency). */
interface Reply extends ReplyLike {
  code(status: number): Reply;
  send(body: unknown): Reply;
}
interface Scope {
  addHook(
    name: 'onRequest',
    hook: (request: KeyedRequest, reply: Reply) => Promise<Reply | undefined>,
  ): unknown;
  register(plugin: unknown, options?: { prefix: string }): unknown;
}
interface Root {
  register(plugin: (scope: Scope) => Promise<void>): unknown;
}

/**
 * Bull Board (ARCHITECTURE: "Bull Board for the queues") at `/queues`, over every queue of the app's
 * prefix. It can retry, promote and remove jobs, so every request of it — page, assets, API — needs
 * an `admin` key, checked as `ApiKeyGuard` checks it. At `/queues/view` the same queues in Bull
 * Board's read-only mode (its API answers 405 to every action, its page offers none) need `ops`.
 * A browser cannot send the key header on a navigation: the console signs operators in with an
 * HttpOnly cookie and forwards it as `x-api-key`.
 */
@Injectable()
export class BullBoardRoute implements OnModuleInit {
  constructor(
    private readonly http: HttpAdapterHost,
    private readonly keys: ApiKeyResolver,
    private readonly producer: JobProducer,
  ) {}

  /** Runs after Nest registered its routes and before Fastify is ready. */
  onModuleInit(): void {
    this.mount(BULL_BOARD_PATH, 'admin', 'nextbuy queues');
    this.mount(BULL_BOARD_VIEW_PATH, 'ops', 'nextbuy queues (read-only)');
  }

  private mount(path: string, required: ApiScope, boardTitle: string): void {
    const readOnlyMode = required !== 'admin';
    const board = new FastifyAdapter();
    board.setBasePath(path);
    createBullBoard({
      queues: Object.values(QueueName).map(
        (name) => new BullMQAdapter(this.producer.queue(name), { readOnlyMode }),
      ),
      serverAdapter: board,
      options: { uiConfig: { boardTitle } },
    });
    const fastify = this.http.httpAdapter.getInstance<Root>();
    // An encapsulated scope: the key check applies to this board's routes only.
    fastify.register(async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        try {
          const admitted = authorize(this.keys, request, reply, required);
          if (admitted !== true) await admitted;
          return undefined;
        } catch (e) {
          // Bull Board's own error handler would turn this into a 500: answer the 401/403 here.
          if (!(e instanceof ApiError)) throw e;
          // An async hook that answered returns the reply, so Fastify stops there.
          return reply.code(e.getStatus()).send(e.toBody());
        }
      });
      await scope.register(board.registerPlugin(), { prefix: path });
    });
  }
}
