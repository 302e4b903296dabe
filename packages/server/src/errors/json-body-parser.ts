import { isUtf8 } from 'node:buffer';
import { HttpStatus } from '@nestjs/common';
import { ApiError } from './api-error';

type Done = (err: Error | null, body?: unknown) => void;

/**
 * The `application/json` parser: Fastify's default answers every syntax error with the same
 * sentence; this one says what is wrong and where (line and column), so a client can fix its body.
 * Keys that could poison prototypes are refused, as Fastify does, and so are bytes that are not UTF-8.
 */
export function parseJsonBody(_req: unknown, body: Buffer, done: Done): void {
  if (body.length === 0) {
    done(new ApiError(HttpStatus.BAD_REQUEST, 'Request body is empty but content-type is application/json'));
    return;
  }
  // Decoding would turn bad bytes into U+FFFD silently, and two different ids could collide.
  if (!isUtf8(body)) {
    done(new ApiError(HttpStatus.BAD_REQUEST, 'Request body is not valid UTF-8'));
    return;
  }
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    done(new ApiError(HttpStatus.BAD_REQUEST, `Malformed JSON body: ${describeSyntaxError(e, text)}`));
    return;
  }
  // Cheap test first: the full walk only runs for the rare body that mentions these names at all.
  if ((text.includes('__proto__') || text.includes('constructor')) && hasForbiddenKey(value)) {
    done(
      new ApiError(
        HttpStatus.BAD_REQUEST,
        'JSON body must not contain "__proto__" or "constructor.prototype" keys',
      ),
    );
    return;
  }
  done(null, value);
}

function describeSyntaxError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  if (!position) return message;
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

function hasForbiddenKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return true;
    if (key === 'constructor' && child !== null && typeof child === 'object' && 'prototype' in child)
      return true;
    if (hasForbiddenKey(child)) return true;
  }
  return false;
}
