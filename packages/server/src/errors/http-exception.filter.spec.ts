import type { ArgumentsHost } from '@nestjs/common';
import { BadRequestException, HttpException, Logger, NotFoundException } from '@nestjs/common';
import { ApiError } from './api-error';
import { HttpErrorFilter } from './http-exception.filter';

function run(
  exception: unknown,
  request: object = { method: 'POST', url: '/v1/events', headers: {} },
  sent = false,
) {
  const http = { reply: jest.fn(), isHeadersSent: jest.fn(() => sent) };
  const filter = new HttpErrorFilter(http, { bodyLimitBytes: 1024 });
  const response = {};
  const host = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ArgumentsHost;
  filter.catch(exception, host);
  const [res, body, status] = (http.reply.mock.calls[0] ?? []) as [unknown, Record<string, unknown>, number];
  return { http, res, body, status, response };
}

describe('HttpErrorFilter', () => {
  let logError: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logError.mockRestore());

  it('answers an ApiError with its message and details', () => {
    const { body, status } = run(new ApiError(413, 'Too many events', { limit: 5000 }));
    expect(status).toBe(413);
    expect(body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Too many events',
      details: { limit: 5000 },
    });
  });

  it('answers Nest exceptions in the same shape', () => {
    expect(run(new BadRequestException('limit must be 1-50')).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'limit must be 1-50',
    });
    expect(run(new NotFoundException('Cannot GET /nope')).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /nope',
    });
    const listed = run(
      new HttpException({ message: ['a is wrong', 'b is wrong'], details: { n: 2 } }, 422),
    ).body;
    expect(listed).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: 'a is wrong; b is wrong',
      details: { n: 2 },
    });
  });

  it("rewords Fastify's body-size and media-type errors", () => {
    expect(run(new HttpException('Request body is too large', 413)).body.message).toBe(
      'Request body is larger than the limit of 1024 bytes; send smaller batches',
    );
    const media = run(new HttpException('Unsupported Media Type', 415), {
      headers: { 'content-type': 'text/csv' },
    });
    expect(media.body).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'Unsupported Media Type "text/csv": send application/json',
    });
  });

  it('keeps the 4xx status of a raw Fastify error', () => {
    const err = Object.assign(new Error('Request body size did not match Content-Length'), {
      statusCode: 400,
    });
    expect(run(err).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Request body size did not match Content-Length',
    });
  });

  it('answers 500 without internals, and logs the stack', () => {
    const { body, status } = run(new Error('column "secret" does not exist'));
    expect(status).toBe(500);
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
    expect(JSON.stringify(body)).not.toMatch(/secret/);
    expect(logError).toHaveBeenCalledWith(
      expect.stringMatching(/POST \/v1\/events: Error: column "secret"[\s\S]*at /),
    );
  });

  it('hides the message of a 500 HttpException too', () => {
    expect(run(new HttpException('pool exhausted at host db-7', 500)).body.message).toBe(
      'Internal server error',
    );
  });

  it('answers 503 when Postgres cannot be reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(run(refused).body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Database unavailable; try again shortly',
    });
    expect(run(new Error('Driver not Connected')).status).toBe(503);
  });

  it('does not answer twice when the response is already sent', () => {
    const { http } = run(new Error('late'), undefined, true);
    expect(http.reply).not.toHaveBeenCalled();
  });
});
