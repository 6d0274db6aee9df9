const UNAVAILABLE =
  /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|max ?retries ?per ?request|did not answer|^LOADING/i;

/** True when an error means a Redis server is unreachable, restarting or not answering, rather than a bad command. */
export function isRedisUnavailable(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && UNAVAILABLE.test(message);
}
