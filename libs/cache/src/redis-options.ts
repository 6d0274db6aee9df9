import type { RedisOptions } from 'ioredis';

/** Only what a URL says, so the result also fits BullMQ's own connection type. */
export type UrlRedisOptions = Pick<RedisOptions, 'host' | 'port' | 'username' | 'password' | 'db' | 'tls'>;

/** ioredis options from a redis:// or rediss:// URL (BullMQ takes options, not URLs). */
export function redisOptionsFromUrl(url: string): UrlRedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: db ? Number(db) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/** How long a client waits before reconnecting: quickly at first, then every second, never longer, so work resumes within about a second of Redis coming back. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, 1000);
}

/** Options for a client that errors at once while Redis is unreachable instead of queueing commands. */
export function failFastOptions(commandTimeoutMs: number) {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    retryStrategy: reconnectDelay,
  };
}
