/** Connection-level failures of Postgres (not query mistakes): the answer is 503, try again later. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
// 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code)) return true;
    // Class 08: connection exceptions.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  // TypeORM, when the DataSource never connected or was closed.
  return (
    error.message === 'Driver not Connected' ||
    error.name === 'ConnectionIsNotSetError' ||
    error.message === 'Connection terminated unexpectedly' ||
    /^DataSource is not initialized/.test(error.message)
  );
}
