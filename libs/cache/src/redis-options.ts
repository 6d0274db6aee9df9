import Redis, { Cluster, RedisOptions } from 'ioredis';
import type { RedisTarget } from '@app/config';

/** A client of one Redis node or of a Redis Cluster: the same commands, routed by key on a cluster. */
export type RedisClient = Redis | Cluster;

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

/**
 * A client for `target`. On a cluster every command goes to the master of its key's slot, never to
 * a replica (a lagging replica would show stale entries that are not), MOVED and ASK are followed,
 * and node addresses are used as announced (managed clusters with TLS announce hostnames).
 */
export function createRedisClient(target: RedisTarget, options: RedisOptions): RedisClient {
  if (target.kind === 'single') return new Redis({ ...redisOptionsFromUrl(target.url), ...options });
  const { retryStrategy, enableOfflineQueue, enableAutoPipelining, ...nodeOptions } = options;
  return new Cluster(target.nodes, {
    scaleReads: 'master',
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableAutoPipelining: enableAutoPipelining ?? false,
    clusterRetryStrategy: (times) => (retryStrategy ? retryStrategy(times) : reconnectDelay(times)) ?? null,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: {
      ...nodeOptions,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}
