import type { Socket } from 'node:net';
import type { ErrorBody } from '@nextbuy/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { reasonPhrase } from './api-error';

/** Longest path parameter the router accepts: ids are up to 256 characters, plus their escapes. */
export const MAX_PARAM_LENGTH = 1024;

const URI_TOO_LONG = 414;

/**
 * Fastify's `frameworkErrors`: errors its router raises before any route (and so before Nest's
 * filter) runs. Without it they answer with a `code` field outside `{statusCode, error, message}`,
 * and a path parameter over the limit as a 414 that calls itself "Bad Request".
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const body =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? errorBody(URI_TOO_LONG, `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`)
      : errorBody(400, 'Malformed URL: it is not a valid URL (check its percent-encoding)');
  reply.code(body.statusCode).send(body);
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refused never reaches Fastify's
 * routing, so the answer is written on the socket, in the documented shape, as Fastify's default does.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const body =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? errorBody(408, 'The request was not received in time')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? errorBody(431, 'The request headers are larger than the server accepts')
        : errorBody(400, 'Malformed HTTP request');
  if (socket.writable) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${body.statusCode} ${body.error}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}

function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: reasonPhrase(statusCode), message };
}
