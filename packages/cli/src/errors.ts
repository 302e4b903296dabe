/** Exit codes of `nextbuy` (SPEC.md: non-zero when a row was rejected). */
export const EXIT_OK = 0;
/** The command ran and the answer is "no": rejected rows, a failed build, a build in flight, an unknown build. */
export const EXIT_FAILED = 1;
export const EXIT_REJECTED_ROWS = EXIT_FAILED;
/** The command could not run: bad arguments, a service out of reach. */
export const EXIT_FATAL = 2;

/** A failure the user can fix (missing file, bad arguments): one line, no stack trace. */
export class FatalError extends Error {}

interface ErrorLike {
  code?: string;
  message?: string;
  address?: string;
  port?: number;
  errors?: ErrorLike[];
}

/** One line that says what went wrong, for any error a command throws. */
export function describeFatal(error: unknown): string {
  if (error instanceof FatalError) return error.message;
  const e = (error ?? {}) as ErrorLike;
  // Node reports a refused localhost connection as an AggregateError of one error per address.
  const first = e.errors?.[0] ?? e;
  const code = e.code ?? first.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') {
    const where = first.address ? ` at ${first.address}${first.port ? `:${first.port}` : ''}` : '';
    return `cannot reach the database${where} (${code}); check DATABASE_URL and that Postgres is running`;
  }
  if (code === '3D000' || code === '42P01') return `${e.message}; run \`nextbuy migrate\` first`;
  if (code === '28P01' || code === '28000') return `the database refused the login: ${e.message}`;
  const message = (e.message || first.message || code || String(error)).split('\n')[0] ?? '';
  return message;
}

/** A URL fit for a message: the password is never printed. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
