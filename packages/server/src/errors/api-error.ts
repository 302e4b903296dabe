import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { ErrorBody } from '@nextbuy/contracts';

/** The reason phrase of a status code ("Bad Request"), as every error body's `error`. */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
}

/**
 * An error answered as `{statusCode, error, message, details?}` (SPEC.md): throw it from
 * controllers, services, pipes and guards with a message that tells the client what to fix.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message, status);
  }

  toBody(): ErrorBody {
    const status = this.getStatus();
    return {
      statusCode: status,
      error: reasonPhrase(status),
      message: this.message,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}
