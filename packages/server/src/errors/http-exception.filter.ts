import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { HttpServer } from '@nestjs/common';
import type { ErrorBody } from '@nextbuy/contracts';
import { ApiError, reasonPhrase } from './api-error';
import { RedisUnavailableError } from '@nextbuy/queue';
import { isDatabaseUnavailable } from './database-unavailable';

export interface HttpErrorFilterOptions {
  /** Named in the 413 message, so a client knows how far to split its batch. */
  bodyLimitBytes: number;
}

interface RequestLike {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * Every error of every route, including Fastify's own (body parsing, size, media type, unknown
 * routes), answered as `{statusCode, error, message, details?}`. A 5xx is logged with its stack but
 * answered without it.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(
    private readonly http: Pick<HttpServer, 'reply' | 'isHeadersSent'>,
    private readonly options: HttpErrorFilterOptions,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<RequestLike>();
    const response: unknown = ctx.getResponse();
    const body = this.toBody(exception, request);
    // A 503 is a dependency being away (logged where it is detected), not a bug: no stack.
    if (body.statusCode >= 500 && body.statusCode !== 503) {
      const where = `${request.method ?? '?'} ${request.url ?? '?'}`;
      const stack = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      this.logger.error(`${body.statusCode} on ${where}: ${stack}`);
    }
    if (this.http.isHeadersSent(response)) return;
    this.http.reply(response, body, body.statusCode);
  }

  toBody(exception: unknown, request: RequestLike): ErrorBody {
    if (exception instanceof ApiError) return exception.toBody();
    if (exception instanceof HttpException) return this.fromHttpException(exception, request);
    if (isDatabaseUnavailable(exception)) {
      return build(HttpStatus.SERVICE_UNAVAILABLE, 'Database unavailable; try again shortly');
    }
    if (exception instanceof RedisUnavailableError) {
      return build(HttpStatus.SERVICE_UNAVAILABLE, 'Job queue (Redis) unavailable; try again shortly');
    }
    // Errors raised by Fastify outside Nest's mapping still carry their 4xx status.
    const status = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500 && exception instanceof Error) {
      return build(status, this.clientMessage(status, exception.message, request));
    }
    return build(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }

  private fromHttpException(exception: HttpException, request: RequestLike): ErrorBody {
    const status = exception.getStatus();
    const payload = exception.getResponse();
    let message = exception.message;
    let details: unknown;
    if (typeof payload === 'string') {
      message = payload;
    } else if (payload && typeof payload === 'object') {
      const { message: m, details: d } = payload as { message?: unknown; details?: unknown };
      if (typeof m === 'string') message = m;
      else if (Array.isArray(m)) message = m.map(String).join('; ');
      details = d;
    }
    if (status >= 500) message = status === 503 ? message : 'Internal server error';
    return build(status, this.clientMessage(status, message, request), details);
  }

  /** Fastify's own messages are terse; say what the limit is or what to send instead. */
  private clientMessage(status: number, message: string, request: RequestLike): string {
    if (status === 413 && message === 'Request body is too large') {
      return `Request body is larger than the limit of ${this.options.bodyLimitBytes} bytes; send smaller batches`;
    }
    if (status === 415 && message === 'Unsupported Media Type') {
      const type = request.headers?.['content-type'];
      return `Unsupported Media Type ${type ? JSON.stringify(type) : '(no content-type)'}: send application/json`;
    }
    return message;
  }
}

function build(status: number, message: string, details?: unknown): ErrorBody {
  return {
    statusCode: status,
    error: reasonPhrase(status),
    message,
    ...(details === undefined ? {} : { details }),
  };
}
