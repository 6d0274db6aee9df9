const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Query read timeout|Client has encountered a connection error/i;

/**
 * True when an error means PostgreSQL is unreachable or went away, rather than a bad query.
 * Duck-typed on purpose: errors raised by Node's socket layer may come from another realm.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.driverError?.code === 'string' ? e.driverError.code : undefined;
  if (code && (code.startsWith('08') || UNAVAILABLE_CODES.has(code))) return true; // class 08: connection exceptions
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message);
}
